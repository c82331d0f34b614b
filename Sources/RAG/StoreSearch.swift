import Foundation
import RagTuneModels
import RagTuneRetrieval
import RagTuneStorage

/// One search of a store's chunks (`search`, the server's search endpoint).
public struct SearchRequest: Sendable {
    public var query: String
    public var mode: SearchMode = .hybrid
    /// Results to return.
    public var k = 10
    /// Search as this user: documents with an ACL are seen only by users it lists.
    public var user: String?
    /// Only documents whose metadata (or `source`, `title`) match every pair.
    public var filters: [(key: String, value: String)] = []
    public var fusion: FusionMethod = .weighted(denseWeight: 0.5)
    /// Hits each retriever contributes before fusion (raised to `k` when smaller).
    public var fusionDepth = 100
    public var vectorIndex: VectorIndexChoice = .auto
    public var hnsw = StoreIndexes.HNSWParameters()
    public var threads = 2

    public init(query: String) {
        self.query = query
    }
}

/// A ranked list of chunks and what it took (`search --json`).
public struct SearchResults: Encodable, Sendable {
    /// One ranked chunk.
    public struct Hit: Encodable, Sendable {
        /// 1-based.
        public var rank: Int
        public var score: Float
        public var chunk: StoredChunk

        private enum CodingKeys: String, CodingKey { case rank, score, docID = "doc_id", source, title, chunk, start, end, text }

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(rank, forKey: .rank)
            try container.encode(Double(score), forKey: .score)
            try container.encode(chunk.documentID, forKey: .docID)
            try container.encode(chunk.documentSource, forKey: .source)
            try container.encode(chunk.documentTitle, forKey: .title)
            try container.encode(chunk.ordinal, forKey: .chunk)
            try container.encode(chunk.startOffset, forKey: .start)
            try container.encode(chunk.endOffset, forKey: .end)
            try container.encode(chunk.text, forKey: .text)
        }
    }

    /// Seconds to load the indexes, embed the query and search.
    public struct Timings: Encodable, Sendable {
        public var load, embed, search: Double
        enum CodingKeys: String, CodingKey { case load = "load_seconds", embed = "embed_seconds", search = "search_seconds" }
    }

    public var query: String
    public var mode: SearchMode
    /// The vector index that answered (nil for BM25 or a store without embeddings).
    public var vectorIndex: VectorIndexChoice?
    /// The fusion method (hybrid only).
    public var fusion: FusionMethod?
    public var results: [Hit]
    public var timings: Timings

    private enum CodingKeys: String, CodingKey { case query, mode, vectorIndex = "vector_index", fusion, results, timings }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(query, forKey: .query)
        try container.encode(mode.rawValue, forKey: .mode)
        try container.encode(vectorIndex?.rawValue, forKey: .vectorIndex)
        try container.encode(fusion?.description, forKey: .fusion)
        try container.encode(results, forKey: .results)
        try container.encode(timings, forKey: .timings)
    }
}

/// Searches a store: loads its saved indexes (a stale one is rebuilt in memory, never saved),
/// embeds the query with MiniLM (unless BM25) and ranks chunks with the caller's ACL and filters.
public enum StoreSearch {
    /// - Parameters:
    ///   - embed: embeds the query with the store's model for dense and hybrid search (MiniLM, loaded
    ///     with `request.threads`, when nil and needed).
    ///   - log: receives index rebuild notes.
    public static func run(_ request: SearchRequest, store: SQLiteStore, embed: (([String]) throws -> [[Float]])? = nil,
                           log: @escaping @Sendable (String) -> Void = { _ in }) throws -> SearchResults {
        let started = Date()
        var indexes = StoreIndexes(storePath: store.path, hnswParameters: request.hnsw, log: log)
        indexes.savesRebuiltIndexes = false
        let searcher = try indexes.searcher(for: store, mode: request.mode, vectorIndex: request.vectorIndex)
        let loaded = Date()
        let embedding = request.mode == .bm25 ? nil : try (embed ?? MiniLMEmbedder(threads: request.threads).embed)([request.query])[0]
        let embedded = Date()
        let hits = try searcher.search(request.query, embedding: embedding, mode: request.mode, k: request.k, user: request.user,
                                       filters: request.filters, fusion: request.fusion, depth: max(request.k, request.fusionDepth))
        let done = Date()
        return SearchResults(
            query: request.query, mode: request.mode, vectorIndex: searcher.vectorIndexKind,
            fusion: request.mode == .hybrid ? request.fusion : nil,
            results: hits.enumerated().map { SearchResults.Hit(rank: $0 + 1, score: $1.score, chunk: $1.chunk) },
            timings: .init(load: loaded.timeIntervalSince(started), embed: embedded.timeIntervalSince(loaded),
                           search: done.timeIntervalSince(embedded)))
    }
}
