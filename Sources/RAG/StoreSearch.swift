import Foundation
import RagTuneModelFiles
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
    /// Names the caller is also known by (a server key's ACL groups): an ACL listing any one lets it see.
    public var groups: [String] = []
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

        /// A hit as JSON: rank and score, then where the chunk is and its text.
        private struct JSONView: Encodable {
            var rank: Int
            var score: Double
            var documentID, source, title: String
            var chunk, start, end: Int
            var text: String
            enum CodingKeys: String, CodingKey { case rank, score, documentID = "doc_id", source, title, chunk, start, end, text }
        }

        public func encode(to encoder: any Encoder) throws {
            try JSONView(rank: rank, score: Double(score), documentID: chunk.documentID, source: chunk.documentSource,
                         title: chunk.documentTitle, chunk: chunk.ordinal, start: chunk.startOffset, end: chunk.endOffset,
                         text: chunk.text).encode(to: encoder)
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

    /// The results as JSON: modes and index kinds by name, null where they do not apply.
    private struct JSONView: Encodable {
        var query, mode: String
        @NullEncoded var vectorIndex: String?
        @NullEncoded var fusion: String?
        var results: [Hit]
        var timings: Timings
        enum CodingKeys: String, CodingKey { case query, mode, vectorIndex = "vector_index", fusion, results, timings }
    }

    public func encode(to encoder: any Encoder) throws {
        try JSONView(query: query, mode: mode.rawValue, vectorIndex: vectorIndex?.rawValue, fusion: fusion?.description,
                     results: results, timings: timings).encode(to: encoder)
    }
}

/// Searches a store: loads its saved indexes (a stale one is rebuilt in memory, never saved),
/// embeds the query with MiniLM (unless BM25) and ranks chunks with the caller's ACL and filters.
public enum StoreSearch {
    /// - Parameters:
    ///   - embed: embeds the query with the store's model for dense and hybrid search (MiniLM, loaded
    ///     with `request.threads`, when nil and needed).
    ///   - log: receives index rebuild notes.
    public static func run(_ request: SearchRequest, store: some DocumentStore, embed: (([String]) throws -> [[Float]])? = nil,
                           log: @escaping @Sendable (String) -> Void = { _ in }) throws -> SearchResults {
        let started = Date()
        let searcher = try StoreIndexes(storePath: store.path, hnswParameters: request.hnsw, savesRebuiltIndexes: false, log: log)
            .searcher(for: store, mode: request.mode, vectorIndex: request.vectorIndex)
        let loaded = Date()
        let embedding = request.mode == .bm25 ? nil : try (embed ?? MiniLMEmbedder(threads: request.threads).embed)([request.query])[0]
        let embedded = Date()
        let hits = try searcher.search(request.query, embedding: embedding, mode: request.mode, k: request.k,
                                       readers: Set(request.groups + (request.user.map { [$0] } ?? [])),
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
