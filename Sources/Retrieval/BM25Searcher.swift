import RagTuneTensor

/// Searches one `BM25Index` with reusable scratch memory: keep one searcher per thread.
///
/// Term-at-a-time: each query term's precomputed posting weights are added into a dense score
/// array (the bm25s approach), then the best `k` are picked with a small heap. When the query's
/// postings are few compared with the collection, only the touched documents are ranked and reset;
/// otherwise the whole score array is scanned.
public struct BM25Searcher {
    /// The snapshot being searched.
    public let index: BM25Index
    /// (documentCount) score accumulator, all zero between queries.
    private var scores: [Float]
    /// Documents given a score by the current query (sparse mode only).
    private var touched: [UInt32] = []
    /// Query term ids, with repeats.
    private var queryTerms: [Int32] = []
    /// Surface token → term id, or -1 for stopwords and unknown terms (bounded, per searcher).
    private var tokenCache = TermTable()
    private static let tokenCacheLimit = 1 << 16

    public init(index: BM25Index) {
        self.index = index
        scores = [Float](repeating: 0, count: index.documentCount)
    }

    /// The `k` best-scoring documents for `query`, best first (ties: lower document index first).
    /// Only documents sharing at least one term with the query are returned, so fewer than `k`
    /// may come back. Query terms that repeat count once per occurrence, as in bm25s.
    /// - Parameters:
    ///   - k: number of results wanted; `k <= 0` gives none.
    ///   - filter: when given, only documents for which it returns true are ranked.
    /// - Returns: (index into `index.documentIDs`, BM25 score).
    public mutating func search(_ query: String, k: Int,
                                filter: ((Int) -> Bool)? = nil) -> [ScoredDocument] {
        guard k > 0, index.documentCount > 0 else { return [] }
        analyze(query)
        guard !queryTerms.isEmpty else { return [] }
        queryTerms.sort()
        var postings = 0
        for term in queryTerms { postings += index.postingOffsets[Int(term) + 1] - index.postingOffsets[Int(term)] }
        let sparse = postings * 4 < index.documentCount
        accumulate(trackTouched: sparse)
        var heap = TopKHeap(k: k)
        if sparse {
            for d in touched {
                let document = Int(d), score = scores[document]
                scores[document] = 0
                if heap.accepts(document: document, score: score), filter?(document) ?? true {
                    heap.insert(document: document, score: score)
                }
            }
            touched.removeAll(keepingCapacity: true)
        } else {
            scores.withUnsafeMutableBufferPointer { scores in
                Self.scan(scores, into: &heap, filter: filter)
                scores.update(repeating: 0)
            }
        }
        return heap.drain()
    }

    /// Offers every positive score to `heap`. Documents come in index order, so an equal score
    /// never displaces a kept one.
    private static func scan(_ scores: UnsafeMutableBufferPointer<Float>, into heap: inout TopKHeap,
                             filter: ((Int) -> Bool)?) {
        var threshold: Float = 0
        for document in 0 ..< scores.count {
            let score = scores[document]
            guard score > threshold else { continue }
            if let filter, !filter(document) { continue }
            heap.insert(document: document, score: score)
            if heap.isFull { threshold = heap.worstScore }
        }
    }

    /// Adds each distinct query term's weights, times its number of occurrences. Posting document
    /// indices are below `documentCount` (checked when the index is built or read).
    private mutating func accumulate(trackTouched: Bool) {
        let offsets = index.postingOffsets, documents = index.postingDocuments, weights = index.postingWeights
        let terms = queryTerms
        var touched = self.touched
        self.touched = []
        defer { self.touched = touched }
        scores.withUnsafeMutableBufferPointer { scores in
            documents.withUnsafeBufferPointer { documents in
                weights.withUnsafeBufferPointer { weights in
                    var i = 0
                    while i < terms.count {
                        let term = Int(terms[i])
                        var repeats = 1
                        while i + repeats < terms.count && terms[i + repeats] == terms[i] { repeats += 1 }
                        i += repeats
                        let factor = Float(repeats)
                        if trackTouched {
                            for p in offsets[term] ..< offsets[term + 1] {
                                let document = Int(documents[p])
                                if scores[document] == 0 { touched.append(UInt32(document)) }
                                scores[document] += factor * weights[p]
                            }
                        } else {
                            for p in offsets[term] ..< offsets[term + 1] {
                                scores[Int(documents[p])] += factor * weights[p]
                            }
                        }
                    }
                }
            }
        }
    }

    /// Fills `queryTerms` with the indexed term ids of `query`'s tokens.
    private mutating func analyze(_ query: String) {
        queryTerms.removeAll(keepingCapacity: true)
        if tokenCache.count > Self.tokenCacheLimit { tokenCache = TermTable() }
        let analyzer = index.analyzer
        analyzer.forEachToken(in: query) { token in
            let id: Int32
            if let cached = tokenCache.value(for: token) {
                id = cached
            } else {
                id = analyzer.term(forToken: token).flatMap { index.vocabulary.value(for: $0) } ?? -1
                tokenCache.insert(token, value: id)
            }
            if id >= 0 { queryTerms.append(id) }
        }
    }
}

extension BM25Index {
    /// The `k` best documents for `query` (see `BM25Searcher.search`). Allocates a score array
    /// per call; keep a `BM25Searcher` to search repeatedly.
    public func search(_ query: String, k: Int,
                       filter: ((Int) -> Bool)? = nil) -> [ScoredDocument] {
        var searcher = BM25Searcher(index: self)
        return searcher.search(query, k: k, filter: filter)
    }

    /// `search` for every query, the queries split into contiguous shares over `threads`
    /// workers (each with its own `BM25Searcher`). Results are in query order.
    public func searchBatch(_ queries: [String], k: Int, threads: Int,
                            filter: (@Sendable (Int) -> Bool)? = nil) -> [[ScoredDocument]] {
        var results = [[ScoredDocument]](repeating: [], count: queries.count)
        results.withUnsafeMutableBufferPointer { out in
            Parallel.forRanges(count: queries.count, threads: max(1, threads), minimumPerThread: 8) { range in
                var searcher = BM25Searcher(index: self)
                for q in range { out[q] = searcher.search(queries[q], k: k, filter: filter) }
            }
        }
        return results
    }
}
