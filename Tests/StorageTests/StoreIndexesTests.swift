import Foundation
import Testing
import RagTuneRetrieval
import RagTuneTensor
@testable import RagTuneStorage

/// The indexes saved beside a store: reused while the store is unchanged, rebuilt (BM25) or
/// updated incrementally (HNSW) after changes, rebuilt when damaged, and always answering like
/// indexes built from scratch.
@Suite struct StoreIndexesTests {
    /// A store of `count` documents with one chunk each and seeded random 16-d unit embeddings.
    private func store(documents count: Int, seed: UInt64 = 1) throws -> (SQLiteStore, String) {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("ragtune-idx-\(UUID().uuidString)/s.sqlite").path
        let store = try SQLiteStore(path: path)
        var random = SplitMix64(seed: seed)
        for i in 0..<count { try put(store, "d\(i)", "document \(i) about topic \(i % 7) and word\(i)", &random) }
        return (store, path)
    }

    private func put(_ store: SQLiteStore, _ id: String, _ text: String, _ random: inout SplitMix64) throws {
        let document = SourceDocument(id: id, sourcePath: "/\(id)", title: id, text: text)
        let chunk = Chunk(documentID: id, ordinal: 0, text: text, heading: nil, startOffset: 0,
                          endOffset: text.unicodeScalars.count, tokenCount: 5, prefixLength: 0)
        try store.replace(document, chunks: [chunk], embeddings: [random.unitVector(16)])
    }

    private func ids(_ hits: [(chunk: StoredChunk, score: Float)]) -> [String] { hits.map(\.chunk.documentID) }

    @Test func savedIndexesAreReusedUntilTheStoreChanges() throws {
        let (store, path) = try store(documents: 60)
        let log = ConcurrentLog<String>()
        let indexes = StoreIndexes(storePath: path, log: { log.append($0) })
        try indexes.refresh(store, vectorIndex: .hnsw)
        #expect(log.values.contains { $0.hasPrefix("BM25 index rebuilt over 60 chunks") })
        #expect(log.values.contains { $0.hasPrefix("HNSW index updated: 60 added, 0 removed") })
        log.removeAll()
        let searcher = try indexes.searcher(for: store, mode: .hybrid, vectorIndex: .hnsw)
        #expect(log.values.isEmpty, "nothing rebuilt: \(log.values)")
        #expect(searcher.vectorIndexKind == .hnsw)
        let fresh = try ChunkSearcher(chunks: store.chunks())
        let query = try store.chunks()[5]
        #expect(ids(try searcher.search("word5 topic", embedding: nil, mode: .bm25, k: 5))
                == ids(try fresh.search("word5 topic", embedding: nil, mode: .bm25, k: 5)))
        #expect(ids(try searcher.search("", embedding: query.embedding, mode: .dense, k: 5))
                == ids(try fresh.search("", embedding: query.embedding, mode: .dense, k: 5)))

        var random = SplitMix64(seed: 99)
        try put(store, "new", "a brand new zebra document", &random)
        try store.remove(["d5"])
        log.removeAll()
        let updated = try indexes.searcher(for: store, mode: .hybrid, vectorIndex: .hnsw)
        #expect(log.values.contains { $0.hasPrefix("BM25 index rebuilt over 60 chunks") })
        #expect(log.values.contains { $0.hasPrefix("HNSW index updated: 1 added, 1 removed, 60 live") })
        #expect(ids(try updated.search("zebra", embedding: nil, mode: .bm25, k: 1)) == ["new"])
        #expect(!ids(try updated.search("", embedding: query.embedding, mode: .dense, k: 60)).contains("d5"))
        let newEmbedding = try store.chunks().first { $0.chunk.documentID == "new" }!.embedding
        #expect(ids(try updated.search("", embedding: newEmbedding, mode: .dense, k: 1)) == ["new"])
    }

    @Test func theIndexesOfADeletedStoreAreNotTakenForThoseOfANewOne() throws {
        let (old, path) = try store(documents: 20)
        try StoreIndexes(storePath: path, log: { _ in }).refresh(old, vectorIndex: .hnsw)
        let oldGeneration = try old.generation()
        // The store is deleted and made again at the same path, with as many documents (so the same
        // generation and chunk ids) but other words; its index files stay behind.
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
        let store = try SQLiteStore(path: path)
        var random = SplitMix64(seed: 7)
        for i in 0..<20 { try put(store, "e\(i)", "entry \(i) on zebra\(i)", &random) }
        let generation = try store.generation(), chunkIds = try store.chunks().map(\.id).sorted()
        #expect(generation == oldGeneration && chunkIds == Array(1...20), "\(generation) vs \(oldGeneration), \(chunkIds)")
        let log = ConcurrentLog<String>()
        let searcher = try StoreIndexes(storePath: path, log: { log.append($0) }).searcher(for: store, mode: .hybrid, vectorIndex: .hnsw)
        #expect(log.values.contains { $0.hasPrefix("BM25 index rebuilt over 20 chunks") }, "\(log.values)")
        #expect(log.values.contains { $0.hasPrefix("HNSW index updated: 20 added, 0 removed") }, "\(log.values)")
        #expect(ids(try searcher.search("zebra3", embedding: nil, mode: .bm25, k: 1)) == ["e3"])
        let query = try store.chunks()[4]
        #expect(ids(try searcher.search("", embedding: query.embedding, mode: .dense, k: 1)) == [query.documentID])
    }

    @Test func hnswCompactsOnceAQuarterIsTombstonesAndMatchesExactSearch() throws {
        let (store, path) = try store(documents: 200)
        let log = ConcurrentLog<String>()
        let indexes = StoreIndexes(storePath: path, log: { log.append($0) })
        try indexes.refresh(store, vectorIndex: .hnsw)
        try store.remove((0..<60).map { "d\($0)" })
        log.removeAll()
        let searcher = try indexes.searcher(for: store, mode: .dense, vectorIndex: .hnsw)
        #expect(log.values.contains("HNSW index compacted to 140 vectors"))
        let exact = try indexes.searcher(for: store, mode: .dense, vectorIndex: .exact)
        #expect(exact.vectorIndexKind == .exact)
        var agree = 0
        for chunk in try store.chunks().prefix(40) {
            let approximate = ids(try searcher.search("", embedding: chunk.embedding, mode: .dense, k: 10))
            let truth = ids(try exact.search("", embedding: chunk.embedding, mode: .dense, k: 10))
            #expect(approximate.allSatisfy { !["d0", "d1", "d59"].contains($0) })
            agree += Set(approximate).intersection(truth).count
        }
        #expect(Double(agree) / 400 >= 0.97, "recall@10 \(Double(agree) / 400)")
    }

    @Test func damagedFilesAreRebuiltAndAclAppliesToHNSW() throws {
        let (store, path) = try store(documents: 30)
        var random = SplitMix64(seed: 5)
        let secret = SourceDocument(id: "secret", sourcePath: "/secret", title: "s", text: "zebra secret", acl: ["ann"])
        let embedding = random.unitVector(16)
        try store.replace(secret, chunks: [Chunk(documentID: "secret", ordinal: 0, text: "zebra secret", heading: nil,
                                                 startOffset: 0, endOffset: 12, tokenCount: 2, prefixLength: 0)],
                          embeddings: [embedding])
        let log = ConcurrentLog<String>()
        let indexes = StoreIndexes(storePath: path, log: { log.append($0) })
        try indexes.refresh(store, vectorIndex: .hnsw)
        for name in ["bm25.snapshot", "hnsw.snapshot"] {
            let file = indexes.directory!.appendingPathComponent(name)
            var bytes = [UInt8](try Data(contentsOf: file))
            bytes[bytes.count / 2] ^= 0xFF
            try Data(bytes).write(to: file)
        }
        log.removeAll()
        let searcher = try indexes.searcher(for: store, mode: .hybrid, vectorIndex: .hnsw)
        #expect(log.values.filter { $0.contains("checksum mismatch") }.count == 2)
        #expect(ids(try searcher.search("zebra", embedding: embedding, mode: .hybrid, k: 3, user: "ann")).first == "secret")
        for mode in SearchMode.allCases {
            #expect(!ids(try searcher.search("zebra", embedding: embedding, mode: mode, k: 31, user: "bob")).contains("secret"))
        }
    }

    /// Found by the fuzz job: a BM25 snapshot with a valid checksum whose chunk-id list does not
    /// match its document count trapped in search; it is now rebuilt. A reader never saves.
    @Test func snapshotWithTooFewChunkIdsIsRebuiltAndReadersNeverWrite() throws {
        let (store, path) = try store(documents: 12)
        let log = ConcurrentLog<String>()
        try StoreIndexes(storePath: path).refresh(store)
        let file = URL(fileURLWithPath: path + ".indexes/bm25.snapshot")
        let saved = try #require(try IndexSnapshotFile.read(from: file))
        try IndexSnapshotFile(store: saved.store, generation: saved.generation, chunkIds: Array(saved.chunkIds.dropLast(3)), payload: saved.payload)
            .write(to: file)
        let damaged = try Data(contentsOf: file)
        var reader = StoreIndexes(storePath: path, log: { log.append($0) })
        reader.savesRebuiltIndexes = false
        let hits = try reader.searcher(for: store, mode: .bm25).search("word11 topic", embedding: nil, mode: .bm25, k: 3)
        #expect(ids(hits).first == "d11")
        #expect(log.values.contains { $0.contains("12 documents but 9 chunk ids") }, "\(log.values)")
        #expect(try Data(contentsOf: file) == damaged, "a reader must not write beside the store")
    }

    @Test func emptyStoreSearchesToNothing() throws {
        let (store, path) = try store(documents: 0)
        let searcher = try StoreIndexes(storePath: path).searcher(for: store, mode: .hybrid, vectorIndex: .hnsw)
        #expect(try searcher.search("anything", embedding: [Float](repeating: 0.25, count: 16), mode: .hybrid, k: 5).isEmpty)
    }
}

extension SplitMix64 {
    /// A seeded random unit vector.
    mutating func unitVector(_ dimension: Int) -> [Float] {
        let v = floats(dimension)
        let norm = v.map { $0 * $0 }.reduce(0, +).squareRoot()
        return v.map { $0 / norm }
    }
}
