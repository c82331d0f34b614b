/// An immutable BM25 inverted index in compact, contiguous arrays (a searchable snapshot).
///
/// Build one with `BM25IndexBuilder` (or `BM25Index.build`), search it with `BM25Searcher` or
/// `search`/`searchBatch`, store it with `serialize()` / `init(serialized:)`. Term and tf data
/// are kept alongside the precomputed weights so that a later writer can add or remove documents
/// and recompute idf and weights from them.
public struct BM25Index: Sendable {
    /// Scoring parameters the weights were computed with.
    public let scoring: BM25Scoring
    /// How documents were (and queries must be) turned into terms.
    public let analyzer: EnglishAnalyzer
    /// (documentCount) caller-given document ids; search results index into this array.
    public let documentIDs: [String]
    /// (documentCount) tokens per document after stopword removal (BM25's |d|).
    public let documentLengths: [UInt32]
    /// Term (stem, UTF-8) → term id; the value stored is the term id.
    let vocabulary: TermTable
    /// (termCount + 1) postings of term t are `postingOffsets[t] ..< postingOffsets[t + 1]`.
    let postingOffsets: [Int]
    /// (postingCount) document index of each posting, ascending within a term.
    let postingDocuments: [UInt32]
    /// (postingCount) term frequency of each posting.
    let postingFrequencies: [UInt32]
    /// (postingCount) w(t, d) of each posting (see `BM25Scoring.weight`).
    let postingWeights: [Float]

    /// Number of documents.
    public var documentCount: Int { documentIDs.count }
    /// Number of distinct terms.
    public var termCount: Int { vocabulary.count }
    /// Number of (term, document) pairs.
    public var postingCount: Int { postingDocuments.count }
    /// Mean document length (0 for an empty index).
    public var averageDocumentLength: Double {
        documentLengths.isEmpty ? 0 : Double(documentLengths.reduce(0) { $0 + Int($1) }) / Double(documentCount)
    }

    /// Assembles an index from checked parts and computes the posting weights.
    init(scoring: BM25Scoring, analyzer: EnglishAnalyzer, documentIDs: [String], documentLengths: [UInt32],
         vocabulary: TermTable, postingOffsets: [Int], postingDocuments: [UInt32], postingFrequencies: [UInt32]) {
        self.scoring = scoring
        self.analyzer = analyzer
        self.documentIDs = documentIDs
        self.documentLengths = documentLengths
        self.vocabulary = vocabulary
        self.postingOffsets = postingOffsets
        self.postingDocuments = postingDocuments
        self.postingFrequencies = postingFrequencies
        var weights = [Float](repeating: 0, count: postingDocuments.count)
        let n = documentIDs.count
        let averageLength = documentLengths.isEmpty
            ? 0 : Double(documentLengths.reduce(0) { $0 + Int($1) }) / Double(n)
        for term in 0 ..< vocabulary.count {
            let range = postingOffsets[term] ..< postingOffsets[term + 1]
            let idf = scoring.idf(documentFrequency: range.count, documentCount: n)
            for p in range {
                weights[p] = scoring.weight(idf: idf, termFrequency: Int(postingFrequencies[p]),
                                            documentLength: Int(documentLengths[Int(postingDocuments[p])]),
                                            averageDocumentLength: averageLength)
            }
        }
        postingWeights = weights
    }

    /// Indexes `documents` (pass `title + " " + text` for BEIR corpora) in one call.
    /// - Throws: `RetrievalError.invalidInput` for bad parameters or a repeated document id.
    public static func build(documents: [(id: String, text: String)], scoring: BM25Scoring = BM25Scoring(),
                             analyzer: EnglishAnalyzer = EnglishAnalyzer()) throws -> BM25Index {
        var builder = try BM25IndexBuilder(scoring: scoring, analyzer: analyzer)
        for document in documents { try builder.add(id: document.id, text: document.text) }
        return builder.build()
    }

    /// The term id of an analysed term (a stem), or nil when no document contains it.
    public func termID(_ term: String) -> Int? {
        vocabulary.value(for: Array(term.utf8)).map(Int.init)
    }

    /// Number of documents containing the term with id `termID` (0 for an unknown id).
    public func documentFrequency(termID: Int) -> Int {
        guard termID >= 0, termID < termCount else { return 0 }
        return postingOffsets[termID + 1] - postingOffsets[termID]
    }

    /// The postings of one term: (document index, term frequency, weight), by document index.
    public func postings(termID: Int) -> [(documentIndex: Int, termFrequency: Int, weight: Float)] {
        guard termID >= 0, termID < termCount else { return [] }
        return (postingOffsets[termID] ..< postingOffsets[termID + 1]).map {
            (Int(postingDocuments[$0]), Int(postingFrequencies[$0]), postingWeights[$0])
        }
    }
}
