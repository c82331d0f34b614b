import Foundation
import RagTuneRetrieval
import RagTuneTensor

/// Documents of any size for the store benchmark, generated from a seed: chunk texts of Zipf-
/// distributed words from a fixed vocabulary (without its stopword head) (so BM25 sees common and rare terms as in real text,
/// with SciFact's average chunk length) and random unit embeddings (so no model runs: ingest and
/// search are measured, not embedding). Random vectors have no clusters, so HNSW recall on them is
/// lower than on real embeddings at the same settings.
public struct SyntheticCorpus: Sendable {
    /// Words in the vocabulary.
    public static let vocabularySize = 20_000
    /// Chunks per document.
    public static let chunksPerDocument = 10
    /// Mean words per chunk (SciFact's chunks average 73 analysed terms).
    public static let meanWords = 90
    /// Zipf ranks left out at the head of the distribution (see `init`).
    static let stopwordRanks = 100

    public let dimension: Int
    public let seed: UInt64
    /// Cumulative Zipf (s = 1) weights of the vocabulary, for drawing words.
    private let cumulative: [Double]

    public init(dimension: Int, seed: UInt64 = 7) {
        self.dimension = dimension
        self.seed = seed
        // Zipf from rank 100 on: the first hundred ranks of a real vocabulary are mostly stopwords,
        // which the analyzer drops, so the most common word here is in about one chunk in six (as
        // SciFact's most common terms are) rather than in every chunk.
        var total = 0.0
        cumulative = (1...Self.vocabularySize).map { rank in
            total += 1 / Double(rank + Self.stopwordRanks)
            return total
        }
    }

    /// Word `rank` of the vocabulary: letters only, so the analyzer keeps it as one term
    /// (stemming may shorten some, as it does real words).
    static func word(_ rank: Int) -> String {
        let letters = Array("bcdfghjklmnpqrstvwxz"), vowels = Array("aeiou")
        var text = "", n = rank
        repeat {
            text.append(letters[n % letters.count])
            text.append(vowels[(n / letters.count) % vowels.count])
            n /= letters.count * vowels.count
        } while n > 0
        return text
    }

    private func drawWord(_ random: inout SplitMix64) -> String {
        let u = Double(random.next() >> 11) / Double(1 << 53) * cumulative[cumulative.count - 1]
        var low = 0, high = cumulative.count - 1
        while low < high {
            let mid = (low + high) / 2
            if cumulative[mid] < u { low = mid + 1 } else { high = mid }
        }
        return Self.word(low)
    }

    private func unitVector(_ random: inout SplitMix64) -> [Float] {
        let v = random.floats(dimension)
        let norm = max(v.map { $0 * $0 }.reduce(0, +).squareRoot(), 1e-12)
        return v.map { $0 / norm }
    }

    /// Document `index` with its chunks and embeddings (the same for the same seed and index).
    public func document(_ index: Int) -> (document: SourceDocument, chunks: [Chunk], embeddings: [[Float]]) {
        var random = SplitMix64(seed: seed &+ UInt64(index) &* 0x9E37_79B9_7F4A_7C15)
        var chunks: [Chunk] = [], embeddings: [[Float]] = [], texts: [String] = []
        var offset = 0
        for ordinal in 0..<Self.chunksPerDocument {
            let count = Self.meanWords / 2 + Int(random.next() % UInt64(Self.meanWords))
            let text = (0..<count).map { _ in drawWord(&random) }.joined(separator: " ")
            let length = text.unicodeScalars.count
            chunks.append(Chunk(documentID: "doc\(index)", ordinal: ordinal, text: text, heading: nil, startOffset: offset,
                                endOffset: offset + length, tokenCount: count, prefixLength: 0))
            embeddings.append(unitVector(&random))
            texts.append(text)
            offset += length + 1
        }
        let document = SourceDocument(id: "doc\(index)", sourcePath: "synthetic/\(index).txt", title: "Document \(index)",
                                      text: texts.joined(separator: "\n"),
                                      metadata: ["shard": "\(index % 10)"], acl: index % 20 == 0 ? ["team"] : [], format: .text)
        return (document, chunks, embeddings)
    }

    /// Query `index`: four words drawn as the texts' are, and a random unit vector.
    public func query(_ index: Int) -> (text: String, embedding: [Float]) {
        var random = SplitMix64(seed: ~seed &+ UInt64(index) &* 0xBF58_476D_1CE4_E5B9)
        let text = (0..<4).map { _ in drawWord(&random) }.joined(separator: " ")
        return (text, unitVector(&random))
    }
}
