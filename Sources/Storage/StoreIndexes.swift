import Foundation
import RagTuneRetrieval

/// The search indexes of a store, saved beside it in a folder (`<store>.indexes/`: `bm25.snapshot`,
/// `hnsw.snapshot`) so that a search loads them instead of rebuilding. Each file records the store
/// (by its identity's hash) and the generation it reflects; a file of another store is rebuilt:
/// - BM25 is rebuilt whenever the store has changed (it is fast: SciFact's 5,183 documents in
///   about 0.2 s) and saved again.
/// - HNSW is brought up to date incrementally: chunks gone from the store are tombstoned, new
///   chunks inserted, and the graph is compacted once a quarter of it is tombstones.
/// The files are derived data written atomically: when one is missing, stale or damaged the
/// store is the truth and the index is rebuilt from it.
public struct StoreIndexes: Sendable {
    /// Chunks from which `VectorIndexChoice.auto` picks HNSW over exact search.
    public static let hnswThreshold = 10_000

    /// The folder holding the index files; nil for a store without a folder beside it (a
    /// `postgres://` store), whose indexes are built in memory and never saved.
    public let directory: URL?
    public var hnswParameters: HNSWParameters
    /// Receives one line per rebuild, update or unusable file (for stderr).
    public var log: @Sendable (String) -> Void
    /// Whether a rebuilt or updated index is saved. Readers set it false: they never write beside
    /// the store (which may be read-only or being indexed); `refresh` after an ingest saves.
    public var savesRebuiltIndexes: Bool

    /// The HNSW settings: hnswlib's defaults for M and efConstruction.
    public struct HNSWParameters: Sendable, Equatable {
        public var m = 16
        public var efConstruction = 200
        public var efSearch = 64
        public var seed: UInt64 = 42

        public init(m: Int = 16, efConstruction: Int = 200, efSearch: Int = 64, seed: UInt64 = 42) {
            self.m = m
            self.efConstruction = efConstruction
            self.efSearch = efSearch
            self.seed = seed
        }
    }

    /// - Parameters:
    ///   - storePath: the store's file; the indexes go in `<storePath>.indexes/`. A URL (`scheme://…`)
    ///     has no folder: its indexes live in memory only.
    ///   - savesRebuiltIndexes: false for readers (search, ask, eval): a stale index is rebuilt in
    ///     memory and never saved.
    public init(storePath: String, hnswParameters: HNSWParameters = HNSWParameters(), savesRebuiltIndexes: Bool = true,
                log: @escaping @Sendable (String) -> Void = { _ in }) {
        directory = storePath.contains("://") ? nil : URL(fileURLWithPath: storePath + ".indexes")
        self.hnswParameters = hnswParameters
        self.savesRebuiltIndexes = savesRebuiltIndexes
        self.log = log
    }

    private var bm25File: URL? { directory?.appendingPathComponent("bm25.snapshot") }
    private var hnswFile: URL? { directory?.appendingPathComponent("hnsw.snapshot") }

    /// A retriever over the store's current chunks. A store that searches inside its database
    /// (`SearchableStore`) gives its own; otherwise the indexes `mode` needs are built in the
    /// process, each loaded from its file when up to date and otherwise rebuilt (or, for HNSW,
    /// updated) and saved.
    public func searcher(for store: some DocumentStore, mode: SearchMode,
                         vectorIndex: VectorIndexChoice = .auto) throws -> any ChunkRetriever {
        if let searchable = store.searchable {
            return try searchable.retriever(mode: mode, vectorIndex: vectorIndex, hnsw: hnswParameters, log: log)
        }
        return try inProcessSearcher(for: store, mode: mode, vectorIndex: vectorIndex)
    }

    /// The in-process searcher `searcher(for:…)` builds for a store that does not search itself.
    public func inProcessSearcher(for store: some DocumentStore, mode: SearchMode,
                                  vectorIndex: VectorIndexChoice = .auto) throws -> ChunkSearcher {
        let choice = resolve(vectorIndex, chunks: try store.counts().chunks)
        let snapshot = try store.snapshot(withEmbeddings: mode != .bm25 && choice == .exact)
        let position = Dictionary(uniqueKeysWithValues: snapshot.chunks.enumerated().map { ($1.id, $0) })
        let bm25 = mode == .dense ? nil : try bm25Index(snapshot)
        var vectors: (retriever: VectorRetriever, chunkOfPosition: [Int])?
        if mode != .bm25 {
            switch choice {
            case .hnsw:
                if let (index, chunkIds) = try hnswIndex(snapshot, store: store) {
                    vectors = (.hnsw(index, efSearch: hnswParameters.efSearch), chunkIds.map { position[$0] ?? -1 })
                }
            default:
                let withVectors = snapshot.chunks.indices.filter { !snapshot.chunks[$0].embedding.isEmpty }
                if let first = withVectors.first {
                    var exact = ExactVectorIndex(dimension: snapshot.chunks[first].embedding.count)
                    try exact.add(contentsOf: withVectors.map { snapshot.chunks[$0].embedding })
                    vectors = (.exact(exact), withVectors)
                }
            }
        }
        return ChunkSearcher(chunks: snapshot.chunks,
                             bm25: bm25.map { index, chunkIds in (index, chunkIds.map { position[$0] ?? -1 }) },
                             vectors: vectors)
    }

    /// Brings the saved indexes up to date with the store (after an ingest or a removal), so the
    /// next search only loads them. HNSW is kept only when `vectorIndex` resolves to it. A store
    /// that searches itself refreshes its own indexes.
    public func refresh(_ store: some DocumentStore, vectorIndex: VectorIndexChoice = .auto) throws {
        if let searchable = store.searchable {
            return try searchable.refreshSearchIndexes(vectorIndex: vectorIndex, hnsw: hnswParameters, log: log)
        }
        let snapshot = try store.snapshot(withEmbeddings: false)
        _ = try bm25Index(snapshot)
        if resolve(vectorIndex, chunks: snapshot.chunks.count) == .hnsw { _ = try hnswIndex(snapshot, store: store) }
    }

    /// `.auto` made concrete for a store of `chunks` chunks. A store without a folder for saved
    /// indexes gets exact search: an HNSW graph built afresh at every open would cost more than it saves.
    public func resolve(_ choice: VectorIndexChoice, chunks: Int) -> VectorIndexChoice {
        choice != .auto ? choice : directory != nil && chunks >= Self.hnswThreshold ? .hnsw : .exact
    }

    // MARK: - BM25

    /// The BM25 index of `snapshot` with the chunk id of each position: loaded when the saved one
    /// is of the snapshot's store and at its generation, otherwise rebuilt and saved.
    private func bm25Index(_ snapshot: StoreSnapshot) throws -> (BM25Index, [Int64]) {
        if let file = bm25File, let saved = load(file, for: snapshot), saved.generation == snapshot.generation {
            do {
                let index = try BM25Index(serialized: saved.payload)
                guard index.documentCount == saved.chunkIds.count else {
                    throw StorageError.corruptIndexFile(path: file.path, reason: "\(index.documentCount) documents but "
                                                        + "\(saved.chunkIds.count) chunk ids")
                }
                return (index, saved.chunkIds)
            } catch {
                log("\(file.path): \(error); rebuilding")
            }
        }
        let started = Date()
        let index = try BM25Index.build(documents: snapshot.chunks.map { ("\($0.id)", $0.chunk.text) })
        let chunkIds = snapshot.chunks.map(\.id)
        save(IndexSnapshotFile(store: snapshot.storeHash, generation: snapshot.generation, chunkIds: chunkIds,
                               payload: index.serialize()), to: bm25File)
        if directory != nil {   // a store without a folder builds its indexes at every open: nothing to report
            log(String(format: "BM25 index rebuilt over %d chunks in %.2f s", chunkIds.count, Date().timeIntervalSince(started)))
        }
        return (index, chunkIds)
    }

    // MARK: - HNSW

    /// The HNSW index of `snapshot` with the chunk id of each position (-1 for tombstones):
    /// loaded, updated with the chunks added and removed since it was saved, and saved again.
    /// - Returns: nil while no chunk has an embedding.
    private func hnswIndex(_ snapshot: StoreSnapshot, store: some DocumentStore) throws -> (HNSWIndex, [Int64])? {
        var index: HNSWIndex?, chunkIds: [Int64] = []
        if let file = hnswFile, let saved = load(file, for: snapshot) {
            do {
                let loaded = try HNSWIndex(serialized: saved.payload)
                guard loaded.count == saved.chunkIds.count else {
                    throw StorageError.corruptIndexFile(path: file.path, reason: "\(loaded.count) vectors but "
                                                        + "\(saved.chunkIds.count) chunk ids")
                }
                if saved.generation == snapshot.generation { return (loaded, saved.chunkIds) }
                (index, chunkIds) = (loaded, saved.chunkIds)
            } catch { log("\(file.path): \(error); rebuilding") }
        }
        let started = Date()
        let live = Set(snapshot.chunks.map(\.id))
        var present = Set<Int64>(), removed = 0
        if var existing = index {
            for (p, id) in chunkIds.enumerated() where id >= 0 {
                if live.contains(id) { present.insert(id) } else {
                    try existing.markDeleted(p)
                    chunkIds[p] = -1
                    removed += 1
                }
            }
            index = existing
        }
        let missing = snapshot.chunks.map(\.id).filter { !present.contains($0) }
        let embeddings = try store.embeddings(ofChunks: missing)
        var added = 0
        for id in missing {
            guard let vector = embeddings[id], !vector.isEmpty else { continue }
            if index == nil {
                index = try HNSWIndex(dimension: vector.count, m: hnswParameters.m,
                                      efConstruction: hnswParameters.efConstruction, seed: hnswParameters.seed)
            }
            guard vector.count == index!.dimension else {
                throw StorageError.mismatch(path: store.path, reason: "chunk \(id) has a \(vector.count)-d embedding; "
                                            + "the store's other chunks are \(index!.dimension)-d")
            }
            _ = try index!.add(vector)
            chunkIds.append(id)
            added += 1
        }
        guard var result = index else { return nil }
        if result.count - result.liveCount > result.count / 4 {
            let (compacted, oldPosition) = result.compacted()
            (result, chunkIds) = (compacted, oldPosition.map { chunkIds[$0] })
            log("HNSW index compacted to \(result.count) vectors")
        }
        save(IndexSnapshotFile(store: snapshot.storeHash, generation: snapshot.generation, chunkIds: chunkIds,
                               payload: result.serialize()), to: hnswFile)
        if directory != nil { log(String(format: "HNSW index updated: %d added, %d removed, %d live, %.2f s", added, removed,
                   result.liveCount, Date().timeIntervalSince(started))) }
        return (result, chunkIds)
    }

    // MARK: - Files

    /// The saved file, when it is intact and was made from `snapshot`'s store.
    private func load(_ file: URL, for snapshot: StoreSnapshot) -> IndexSnapshotFile? {
        do {
            guard let saved = try IndexSnapshotFile.read(from: file) else { return nil }
            guard saved.store == snapshot.storeHash else {
                log("\(file.path) was made for another store (or by a RagTune that did not record it); rebuilding")
                return nil
            }
            return saved
        } catch {
            log("\(error); rebuilding")
            return nil
        }
    }

    /// Saves an index file; a failure (read-only folder, full disk) only costs a rebuild next time.
    private func save(_ snapshot: IndexSnapshotFile, to file: URL?) {
        guard let file else { return }
        guard savesRebuiltIndexes else {
            log("\(file.lastPathComponent) was stale and is rebuilt in memory only; `ragtune index` saves it")
            return
        }
        do { try snapshot.write(to: file) } catch { log("cannot save \(file.path): \(error)") }
    }
}
