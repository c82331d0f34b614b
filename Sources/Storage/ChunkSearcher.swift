import Foundation
import RagTuneRetrieval

/// How chunks are ranked.
public enum SearchMode: String, Sendable, CaseIterable {
    case bm25, dense, hybrid
}

/// Which vector index answers dense queries.
public enum VectorIndexChoice: String, Sendable, CaseIterable {
    /// Exact below `StoreIndexes.hnswThreshold` chunks, HNSW from there on.
    case auto
    /// Brute force: every chunk scored with one SGEMM; exact, fine up to tens of thousands of chunks.
    case exact
    /// Approximate (HNSW, hnswlib's algorithm), kept on disk and updated incrementally.
    case hnsw
}

/// A dense retriever over index positions: exact or HNSW.
public enum VectorRetriever: Sendable {
    case exact(ExactVectorIndex)
    case hnsw(HNSWIndex, efSearch: Int)

    /// The `k` best positions for `query` among those `include` accepts, best first.
    func search(_ query: [Float], k: Int, include: @escaping @Sendable (Int) -> Bool) throws -> [ScoredDocument] {
        switch self {
        case .exact(let index): return try index.search([query], k: k, include: include)[0]
        case .hnsw(let index, let efSearch): return try index.search(query, k: k, efSearch: max(efSearch, k), include: include)
        }
    }

    public var kind: VectorIndexChoice {
        if case .hnsw = self { return .hnsw }
        return .exact
    }
}

/// Search structures over a snapshot of a store's chunks: BM25 over the chunk texts and a vector
/// index over their embeddings, each with a map from its positions to `chunks`. Metadata filters
/// and the caller's ACL are applied inside each retriever (before its top-k), then hybrid results
/// are fused. `StoreIndexes` builds one from a store, reusing the indexes saved beside it.
public struct ChunkSearcher: ChunkRetriever {
    public let chunks: [StoredChunk]
    private let bm25: (index: BM25Index, chunkOfPosition: [Int])?
    private let vectors: (retriever: VectorRetriever, chunkOfPosition: [Int])?
    /// The position in `chunks` of each (document, ordinal), built at the first `neighbours` call.
    private let positions = LazyPositions()

    /// Builds BM25 and an exact vector index in memory over `chunks` (all embeddings must share
    /// one dimension).
    public init(chunks: [StoredChunk]) throws {
        let bm25 = try BM25Index.build(documents: chunks.map { ("\($0.id)", $0.chunk.text) })
        var vectors = ExactVectorIndex(dimension: chunks.first?.embedding.count ?? 1)
        try vectors.add(contentsOf: chunks.map(\.embedding))
        self.init(chunks: chunks, bm25: (bm25, Array(chunks.indices)), vectors: (.exact(vectors), Array(chunks.indices)))
    }

    /// Assembles a searcher from indexes built elsewhere.
    /// - Parameters:
    ///   - bm25: the index and, for each of its positions, the index into `chunks` (nil: no BM25).
    ///   - vectors: the retriever and, for each of its positions, the index into `chunks`, -1 for
    ///     none (nil: no dense search).
    public init(chunks: [StoredChunk], bm25: (index: BM25Index, chunkOfPosition: [Int])?,
                vectors: (retriever: VectorRetriever, chunkOfPosition: [Int])?) {
        self.chunks = chunks
        self.bm25 = bm25
        self.vectors = vectors
    }

    /// The vector index answering dense queries, if any.
    public var vectorIndexKind: VectorIndexChoice? { vectors?.retriever.kind }

    public func search(_ query: String, embedding: [Float]?, mode: SearchMode, k: Int, readers: Set<String>,
                       filters: [(key: String, value: String)], fusion: FusionMethod,
                       depth: Int?) throws -> [(chunk: StoredChunk, score: Float)] {
        let chunks = self.chunks
        let filters = filters.map { ($0.key, $0.value) }
        let depth = Self.retrievalDepth(depth, mode: mode, k: k)
        func allowed(_ chunkOfPosition: [Int]) -> @Sendable (Int) -> Bool {
            { position in
                let c = chunkOfPosition[position]
                return c >= 0 && chunks[c].isVisible(toAnyOf: readers) && chunks[c].matches(filters)
            }
        }
        var sparse: [ScoredDocument] = [], dense: [ScoredDocument] = []
        if mode != .dense, let bm25 {
            sparse = bm25.index.search(query, k: depth, filter: allowed(bm25.chunkOfPosition))
                .map { ScoredDocument(index: bm25.chunkOfPosition[$0.index], score: $0.score) }
        }
        if mode != .bm25, let vectors {
            guard let embedding else { throw RetrievalError.invalidInput("\(mode.rawValue) search needs the query's embedding") }
            dense = try vectors.retriever.search(embedding, k: depth, include: allowed(vectors.chunkOfPosition))
                .map { ScoredDocument(index: vectors.chunkOfPosition[$0.index], score: $0.score) }
        }
        let ranked: [ScoredDocument]
        switch mode {
        case .bm25: ranked = sparse
        case .dense: ranked = dense
        case .hybrid: ranked = fusion.fuse(sparse: sparse, dense: dense, limit: k)
        }
        return ranked.prefix(k).map { (chunks[$0.index], $0.score) }
    }

    public func neighbours(of hits: [StoredChunk], radius: Int, readers: Set<String>) throws -> [StoredChunk] {
        guard radius >= 0 else { return [] }
        let positions = self.positions.value(for: chunks)
        var seen = Set<Int>(), found: [StoredChunk] = []
        for hit in hits {
            for ordinal in hit.ordinal - radius ... hit.ordinal + radius {
                guard let p = positions[hit.documentID]?[ordinal], seen.insert(p).inserted,
                      chunks[p].isVisible(toAnyOf: readers) else { continue }
                found.append(chunks[p])
            }
        }
        return found
    }
}

/// Where each chunk of a searcher is, by document and ordinal, built once on first use.
private final class LazyPositions: @unchecked Sendable {
    private let lock = NSLock()
    private var positions: [String: [Int: Int]]?

    func value(for chunks: [StoredChunk]) -> [String: [Int: Int]] {
        lock.lock()
        defer { lock.unlock() }
        if let positions { return positions }
        var built: [String: [Int: Int]] = [:]
        for (i, chunk) in chunks.enumerated() { built[chunk.documentID, default: [:]][chunk.ordinal] = i }
        positions = built
        return built
    }
}
