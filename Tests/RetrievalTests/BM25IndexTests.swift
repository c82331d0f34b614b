import Foundation
import Testing
@testable import RagTuneRetrieval

@Suite struct BM25IndexTests {
    /// |d0| = 3 (cat ×2, dog), |d1| = 2 (dog, bird), |d2| = 1 (fish); N = 3, avgdl = 2.
    static let documents: [(id: String, text: String)] = [
        ("d0", "cat cat dog"), ("d1", "the dog and a bird"), ("d2", "fish"),
    ]

    @Test func scoresMatchTheLuceneFormulaByHand() throws {
        let index = try BM25Index.build(documents: Self.documents)
        #expect(index.documentCount == 3 && index.termCount == 4 && index.postingCount == 5)
        #expect(index.documentLengths == [3, 2, 1])
        // idf = ln(1 + (N − df + 0.5) / (df + 0.5)); tf part = tf / (tf + k1 (1 − b + b |d| / avgdl)).
        let idfCat = log(1 + (3 - 1 + 0.5) / (1 + 0.5)), idfDog = log(1 + (3 - 2 + 0.5) / (2 + 0.5))
        let norm0 = 1.2 * (1 - 0.75 + 0.75 * 3 / 2.0), norm1 = 1.2 * (1 - 0.75 + 0.75 * 2 / 2.0)
        let d0 = idfCat * 2 / (2 + norm0) + idfDog * 1 / (1 + norm0)
        let d1 = idfDog * 1 / (1 + norm1)
        let hits = index.search("cats and dogs", k: 10)
        #expect(hits.map(\.index) == [0, 1])
        #expect(abs(Double(hits[0].score) - d0) < 1e-6)
        #expect(abs(Double(hits[1].score) - d1) < 1e-6)
        // A repeated query term counts twice (bm25s sums over query tokens).
        let twice = index.search("dog dog", k: 10)
        #expect(twice.map(\.index) == [1, 0])   // the shorter document first
        #expect(abs(Double(twice[0].score) - 2 * d1) < 1e-6)
        #expect(index.search("fish", k: 10).map(\.index) == [2])
        #expect(index.search("unknown words only", k: 10).isEmpty)
    }

    @Test func parametersChangeTheScore() throws {
        let flat = try BM25Index.build(documents: Self.documents, scoring: BM25Scoring(k1: 0.9, b: 0))
        let idfDog = log(1 + 1.5 / 2.5)
        let expected = idfDog * 1 / (1 + 0.9)   // b = 0: no length normalisation
        for hit in flat.search("dog", k: 5) { #expect(abs(Double(hit.score) - expected) < 1e-6) }
    }

    @Test func postingsAreCompactAndOrdered() throws {
        let index = try BM25Index.build(documents: Self.documents)
        let dog = try #require(index.termID("dog"))
        #expect(index.documentFrequency(termID: dog) == 2)
        #expect(index.postings(termID: dog).map(\.documentIndex) == [0, 1])
        #expect(index.postings(termID: try #require(index.termID("cat"))).map(\.termFrequency) == [2])
        #expect(index.termID("the") == nil && index.termID("cats") == nil)
        #expect(index.postings(termID: 99).isEmpty && index.documentFrequency(termID: -1) == 0)
    }

    @Test func rejectsBadInput() throws {
        #expect(throws: RetrievalError.self) { try BM25IndexBuilder(scoring: BM25Scoring(k1: -1)) }
        #expect(throws: RetrievalError.self) { try BM25IndexBuilder(scoring: BM25Scoring(b: 1.5)) }
        var builder = try BM25IndexBuilder()
        try builder.add(id: "x", text: "one")
        #expect(throws: RetrievalError.self) { try builder.add(id: "x", text: "two") }
        #expect(builder.documentCount == 1)
    }

    @Test func emptyIndexAndEmptyDocuments() throws {
        let empty = try BM25Index.build(documents: [])
        #expect(empty.search("anything", k: 3).isEmpty)
        let blank = try BM25Index.build(documents: [("a", ""), ("b", "the and"), ("c", "word")])
        #expect(blank.documentLengths == [0, 0, 1])
        #expect(blank.search("word", k: 3).map(\.index) == [2])
        let restored = try BM25Index(serialized: empty.serialize())
        #expect(restored.documentCount == 0)
    }

    @Test func serializationRoundTrips() throws {
        let analyzer = EnglishAnalyzer(stopwords: ["bird"], stemming: true)
        let index = try BM25Index.build(documents: Self.documents + [("d3", "Dogs chase cats; café naïve")],
                                        scoring: BM25Scoring(k1: 0.9, b: 0.4), analyzer: analyzer)
        let bytes = index.serialize()
        let restored = try BM25Index(serialized: bytes)
        #expect(restored.scoring == index.scoring && restored.analyzer == index.analyzer)
        #expect(restored.documentIDs == index.documentIDs && restored.documentLengths == index.documentLengths)
        #expect(restored.postingDocuments == index.postingDocuments)
        #expect(restored.postingFrequencies == index.postingFrequencies)
        #expect(restored.postingWeights == index.postingWeights)
        for term in ["dog", "cat", "café", "naïv", "the", "bird"] { #expect(restored.termID(term) == index.termID(term)) }
        for query in ["cats and dogs", "bird", "naïve café"] {
            #expect(restored.search(query, k: 5).map(\.index) == index.search(query, k: 5).map(\.index))
            #expect(restored.search(query, k: 5).map(\.score) == index.search(query, k: 5).map(\.score))
        }
        #expect(restored.serialize() == bytes)
    }

    @Test func corruptBytesThrowInsteadOfCrashing() throws {
        let bytes = try BM25Index.build(documents: Self.documents).serialize()
        #expect(throws: RetrievalError.self) { try BM25Index(serialized: []) }
        #expect(throws: RetrievalError.self) { try BM25Index(serialized: Array(bytes.dropLast())) }
        #expect(throws: RetrievalError.self) { try BM25Index(serialized: bytes + [0]) }
        var badMagic = bytes
        badMagic[0] = 0
        #expect(throws: RetrievalError.self) { try BM25Index(serialized: badMagic) }
        // Every truncation and every single-byte flip either throws or yields a consistent index.
        for cut in stride(from: 0, to: bytes.count, by: 3) {
            #expect(throws: RetrievalError.self) { try BM25Index(serialized: Array(bytes[..<cut])) }
        }
        for position in bytes.indices {
            var flipped = bytes
            flipped[position] ^= 0xFF
            if let index = try? BM25Index(serialized: flipped) { _ = index.search("cat dog fish", k: 3) }
        }
    }
}
