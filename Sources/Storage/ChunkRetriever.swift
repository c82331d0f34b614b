import RagTuneRetrieval

/// Ranks a store's chunks for queries: `ChunkSearcher` in the process (BM25 and a vector index
/// over a snapshot), or a store that searches inside its database (`SearchableStore`). Both apply
/// the caller's ACL and the metadata filters before their top-k, and fuse hybrid lists the same way.
public protocol ChunkRetriever: Sendable {
    /// The vector index answering dense queries, if any.
    var vectorIndexKind: VectorIndexChoice? { get }

    /// The best `k` chunks for a query, best first, for a caller known by any of `readers`: a
    /// restricted chunk is ranked when its ACL lists one of them.
    /// - Parameters:
    ///   - embedding: the query's embedding; needed for `dense` and `hybrid`.
    ///   - filters: `key=value` pairs every returned chunk's document must have (`source` and
    ///     `title` match those fields, other keys the metadata).
    ///   - fusion: how hybrid search combines the BM25 and dense lists.
    ///   - depth: how many hits each retriever contributes to hybrid fusion (default: `k`, at least 100).
    func search(_ query: String, embedding: [Float]?, mode: SearchMode, k: Int, readers: Set<String>,
                filters: [(key: String, value: String)], fusion: FusionMethod, depth: Int?) throws -> [(chunk: StoredChunk, score: Float)]

    /// The chunks up to `radius` ordinals before and after each of `chunks` in its document that a
    /// caller known by any of `readers` may see (the chunks themselves included), for small-to-big
    /// context.
    func neighbours(of chunks: [StoredChunk], radius: Int, readers: Set<String>) throws -> [StoredChunk]
}

extension ChunkRetriever {
    /// `search(…readers:…)` for one `user` (nil: an anonymous caller, who sees unrestricted chunks only).
    public func search(_ query: String, embedding: [Float]?, mode: SearchMode, k: Int, user: String? = nil,
                       filters: [(key: String, value: String)] = [], fusion: FusionMethod = .weighted(denseWeight: 0.5),
                       depth: Int? = nil) throws -> [(chunk: StoredChunk, score: Float)] {
        try search(query, embedding: embedding, mode: mode, k: k, readers: Set(user.map { [$0] } ?? []), filters: filters,
                   fusion: fusion, depth: depth)
    }

    /// `search` with the default fusion and depth.
    public func search(_ query: String, embedding: [Float]?, mode: SearchMode, k: Int, readers: Set<String>,
                       filters: [(key: String, value: String)] = []) throws -> [(chunk: StoredChunk, score: Float)] {
        try search(query, embedding: embedding, mode: mode, k: k, readers: readers, filters: filters,
                   fusion: .weighted(denseWeight: 0.5), depth: nil)
    }

    /// How many hits each list contributes before fusion: `depth`, by default `k` and at least 100 for hybrid.
    public static func retrievalDepth(_ depth: Int?, mode: SearchMode, k: Int) -> Int {
        mode == .hybrid ? depth ?? max(k, 100) : k
    }
}

/// A store that searches inside its own database (PostgreSQL: BM25 postings in tables, pgvector
/// HNSW) instead of having `StoreIndexes` build indexes in the process.
public protocol SearchableStore: DocumentStore {
    /// A retriever over the store's current chunks. `vectorIndex` `.auto` uses the store's HNSW
    /// index when it has one of at least `StoreIndexes.hnswThreshold` chunks; `log` receives one line
    /// per notable choice (for stderr).
    func retriever(mode: SearchMode, vectorIndex: VectorIndexChoice, hnsw: StoreIndexes.HNSWParameters,
                   log: @escaping @Sendable (String) -> Void) throws -> any ChunkRetriever

    /// Brings the store's search indexes up to date after an ingest (e.g. builds the HNSW index
    /// once a first load is in, or rebuilds it with new parameters).
    func refreshSearchIndexes(vectorIndex: VectorIndexChoice, hnsw: StoreIndexes.HNSWParameters,
                              log: @escaping @Sendable (String) -> Void) throws
}

extension DocumentStore {
    /// The store as a `SearchableStore`, looking through `AnyDocumentStore`.
    public var searchable: (any SearchableStore)? {
        if let any = self as? AnyDocumentStore { return any.base.searchable }
        return self as? any SearchableStore
    }

    /// Every chunk with its document's fields and embedding, in document then chunk order.
    public func chunks() throws -> [StoredChunk] { try snapshot(withEmbeddings: true).chunks }
}
