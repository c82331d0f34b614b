import RagTuneRetrieval
import RagTuneStorage

extension PostgresStore: SearchableStore {
    /// A retriever that searches inside the database (`PostgresChunkRetriever`). Dense queries use
    /// the HNSW index when the store has one (`.auto` and `.hnsw`), exact search otherwise; asked
    /// for HNSW that was never built, it says so on `log` and searches exactly.
    /// - Throws: `StorageError.mismatch` when some chunk has no BM25 postings yet (a store last
    ///   written by a RagTune before postings were kept, opened read-only) and `mode` needs them.
    public func retriever(mode: SearchMode, vectorIndex: VectorIndexChoice, hnsw: StoreIndexes.HNSWParameters,
                          log: @escaping @Sendable (String) -> Void) throws -> any ChunkRetriever {
        let index = try pool.withConnection { connection -> PostgresVectorIndex? in
            if mode != .dense, try PostgresPostings.missing(pool, connection) {
                throw StorageError.mismatch(path: path, reason: "some chunks have no BM25 postings yet (the store was last "
                                            + "written by an older RagTune); any `ragtune index` run against it adds them")
            }
            return try PostgresVectorIndex.current(pool, connection)
        }
        if vectorIndex == .hnsw, index == nil, mode != .bm25 {
            log("\(path) has no HNSW index yet: searching exactly; `ragtune index --vector-index hnsw` builds it")
        }
        return PostgresChunkRetriever(pool: pool, path: path, vectorIndex: vectorIndex == .exact ? nil : index,
                                      efSearch: hnsw.efSearch, denseSearch: mode != .bm25)
    }

    /// Builds the HNSW index when `vectorIndex` asks for it (`.hnsw`, or `.auto` from
    /// `StoreIndexes.hnswThreshold` chunks), or rebuilds it when it was built with other `m` or
    /// `ef_construction`; BM25 postings need nothing (they are written with their chunks), but the
    /// tables are analysed so that query plans fit what was loaded.
    public func refreshSearchIndexes(vectorIndex: VectorIndexChoice, hnsw: StoreIndexes.HNSWParameters,
                                     log: @escaping @Sendable (String) -> Void) throws {
        let (chunks, dimension) = try pool.withConnection { connection in
            try pool.query("SELECT count(*), (SELECT vector_dims(embedding) FROM ragtune_chunk LIMIT 1) FROM ragtune_chunk",
                           on: connection).rows.first?.decode((Int, Int?).self) ?? (0, nil)
        }
        // Statistics of what was just loaded, so the planner sizes the postings and chunks right.
        try pool.withConnection { try pool.run("ANALYZE ragtune_posting, ragtune_chunk, ragtune_document", on: $0) }
        guard let dimension, vectorIndex == .hnsw || (vectorIndex == .auto && chunks >= StoreIndexes.hnswThreshold) else { return }
        let started = ContinuousClock.now
        let index = PostgresVectorIndex(dimension: dimension, m: hnsw.m, efConstruction: hnsw.efConstruction)
        if try index.build(pool) {
            let seconds = (ContinuousClock.now - started) / .seconds(1)
            log(String(format: "HNSW index built in PostgreSQL over %d chunks (m=%d, ef_construction=%d) in %.2f s",
                       chunks, hnsw.m, hnsw.efConstruction, seconds))
        }
    }
}
