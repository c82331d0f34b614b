import RagTuneRetrieval

/// How chunks are ranked.
public enum SearchMode: String, Sendable, CaseIterable {
    case bm25, dense, hybrid
}

/// In-memory search structures over a snapshot of a store's chunks: BM25 over the chunk texts and
/// an exact index over their embeddings. Metadata filters and the caller's ACL are applied inside
/// each retriever (before its top-k), then hybrid results are fused by reciprocal rank.
public struct ChunkSearcher: Sendable {
    public let chunks: [StoredChunk]
    private let bm25: BM25Index
    private let vectors: ExactVectorIndex

    /// Builds the indexes over `chunks` (all embeddings must share one dimension).
    public init(chunks: [StoredChunk]) throws {
        self.chunks = chunks
        bm25 = try BM25Index.build(documents: chunks.map { ("\($0.id)", $0.chunk.text) })
        var vectors = ExactVectorIndex(dimension: chunks.first?.embedding.count ?? 1)
        try vectors.add(contentsOf: chunks.map(\.embedding))
        self.vectors = vectors
    }

    /// The best `k` chunks for a query, best first.
    /// - Parameters:
    ///   - embedding: the query's embedding; needed for `dense` and `hybrid`.
    ///   - user: the caller; chunks with an ACL that does not list them are never ranked.
    ///   - filters: `key=value` pairs every returned chunk's document must have.
    public func search(_ query: String, embedding: [Float]?, mode: SearchMode, k: Int, user: String? = nil,
                       filters: [(key: String, value: String)] = [], rrfK: Float = 60) throws -> [(chunk: StoredChunk, score: Float)] {
        let chunks = self.chunks
        let filters = filters.map { ($0.key, $0.value) }
        let allowed: @Sendable (Int) -> Bool = { chunks[$0].isVisible(to: user) && chunks[$0].matches(filters) }
        let depth = mode == .hybrid ? max(k, 100) : k
        var lists: [[ScoredDocument]] = []
        if mode != .dense { lists.append(bm25.search(query, k: depth, filter: allowed)) }
        if mode != .bm25 {
            guard let embedding else { throw RetrievalError.invalidInput("\(mode.rawValue) search needs the query's embedding") }
            lists.append(try vectors.search([embedding], k: depth, include: allowed)[0])
        }
        let ranked = mode == .hybrid ? RankFusion.reciprocalRank(lists, k: rrfK, limit: k) : lists[0]
        return ranked.prefix(k).map { (chunks[$0.index], $0.score) }
    }
}
