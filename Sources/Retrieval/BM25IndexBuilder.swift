/// Accumulates documents into a `BM25Index` (the indexing side; searching is `BM25Searcher`).
///
/// Each document is analysed once: surface tokens are looked up in a per-build cache that maps
/// them straight to term ids (stemming and stopword checks happen once per distinct token), and
/// the document's (term, tf) pairs are appended to a flat buffer. `build()` turns that buffer
/// into per-term postings (a counting sort by term, so documents stay in order).
///
/// One owner at a time: `add` mutates the builder.
public struct BM25IndexBuilder {
    public let scoring: BM25Scoring
    public let analyzer: EnglishAnalyzer
    private var documentIDs: [String] = []
    private var knownIDs: Set<String> = []
    private var documentLengths: [UInt32] = []
    /// Stem → term id.
    private var vocabulary = TermTable(expectedCount: 1 << 14)
    /// Surface token → term id, or -1 for a stopword.
    private var tokenCache = TermTable(expectedCount: 1 << 15)
    /// (documentCount + 1) the (term, tf) pairs of document d are `documentTermStart[d] ..< [d + 1]`.
    private var documentTermStart: [Int] = [0]
    /// (pairCount) term id of each (document, term) pair, in document order.
    private var pairTerms: [UInt32] = []
    /// (pairCount) term frequency of each pair.
    private var pairFrequencies: [UInt32] = []
    /// (termCount) per-document tf counter, zero between documents.
    private var counts: [UInt32] = []
    /// Terms seen in the current document, in first-seen order.
    private var seen: [UInt32] = []

    /// - Throws: `RetrievalError.invalidInput` when `scoring` is out of range.
    public init(scoring: BM25Scoring = BM25Scoring(), analyzer: EnglishAnalyzer = EnglishAnalyzer()) throws {
        try scoring.validate()
        self.scoring = scoring
        self.analyzer = analyzer
    }

    /// Number of documents added so far.
    public var documentCount: Int { documentIDs.count }

    /// Analyses and adds one document; its index in results is the number of documents added before.
    /// - Throws: `RetrievalError.invalidInput` when `id` was already added.
    public mutating func add(id: String, text: String) throws {
        guard knownIDs.insert(id).inserted else {
            throw RetrievalError.invalidInput("document id '\(id)' was added twice")
        }
        documentIDs.append(id)
        var length: UInt32 = 0
        let analyzer = self.analyzer
        analyzer.forEachToken(in: text) { token in
            let term = termID(forToken: token)
            guard term >= 0 else { return }
            length += 1
            if counts[Int(term)] == 0 { seen.append(UInt32(term)) }
            counts[Int(term)] += 1
        }
        for term in seen {
            pairTerms.append(term)
            pairFrequencies.append(counts[Int(term)])
            counts[Int(term)] = 0
        }
        seen.removeAll(keepingCapacity: true)
        documentLengths.append(length)
        documentTermStart.append(pairTerms.count)
    }

    /// The index of everything added so far (the builder stays usable).
    public func build() -> BM25Index {
        let termCount = vocabulary.count
        // Counting sort of the (document, term) pairs by term.
        var offsets = [Int](repeating: 0, count: termCount + 1)
        for term in pairTerms { offsets[Int(term) + 1] += 1 }
        for t in 0 ..< termCount { offsets[t + 1] += offsets[t] }
        var next = offsets
        var documents = [UInt32](repeating: 0, count: pairTerms.count)
        var frequencies = [UInt32](repeating: 0, count: pairTerms.count)
        for d in 0 ..< documentIDs.count {
            for p in documentTermStart[d] ..< documentTermStart[d + 1] {
                let term = Int(pairTerms[p])
                documents[next[term]] = UInt32(d)
                frequencies[next[term]] = pairFrequencies[p]
                next[term] += 1
            }
        }
        return BM25Index(scoring: scoring, analyzer: analyzer, documentIDs: documentIDs,
                         documentLengths: documentLengths, vocabulary: vocabulary, postingOffsets: offsets,
                         postingDocuments: documents, postingFrequencies: frequencies)
    }

    /// Term id of a surface token (adding the stem to the vocabulary if new), or -1 for a stopword.
    private mutating func termID(forToken token: [UInt8]) -> Int32 {
        if let cached = tokenCache.value(for: token) { return cached }
        var id: Int32 = -1
        if let term = analyzer.term(forToken: token) {
            id = vocabulary.insert(term, value: Int32(vocabulary.count))
            if Int(id) == counts.count { counts.append(0) }
        }
        tokenCache.insert(token, value: id)
        return id
    }
}
