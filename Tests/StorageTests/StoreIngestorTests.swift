import Foundation
import Testing
import RagTuneRetrieval
@testable import RagTuneStorage
import RagTuneTensor

@Suite struct StoreIngestorTests {
    private func temporaryStore() throws -> SQLiteStore {
        try SQLiteStore(path: FileManager.default.temporaryDirectory
            .appendingPathComponent("ragtune-ingest-\(UUID().uuidString)/store.sqlite").path)
    }

    /// A chunker counting one token per word, so chunk boundaries are easy to predict.
    private let chunker = try! TextChunker(maxTokens: 8, overlapTokens: 0, countTokens: { $0.split(separator: " ").count })

    private func documents(_ count: Int, version: String = "v1") -> [SourceDocument] {
        (0..<count).map { i in
            SourceDocument(id: "doc\(i)", sourcePath: "/doc\(i)", title: "Doc \(i)",
                           text: "First sentence of \(i) here. Second one \(version) follows now. Third closes it all.")
        }
    }

    @Test func embedsInBatchesAcrossDocumentsAndSkipsUnchanged() throws {
        let store = try temporaryStore()
        let batches = ConcurrentLog<Int>()
        let ingestor = StoreIngestor(store: store, chunker: chunker, chunksPerBatch: 10) { texts in
            batches.append(texts.count)
            return texts.map { [Float($0.count), 1] }
        }
        let first = try ingestor.ingest(documents(9))
        #expect(first == .init(added: 9, replaced: 0, unchanged: 0, chunks: 27))
        #expect(batches.values == [12, 12, 3]) // 3 chunks a document, flushed once ≥ 10 are pending
        #expect(try store.counts() == (9, 27))
        let stored = try store.chunks()
        #expect(stored.allSatisfy { $0.embedding == [Float($0.chunk.text.count), 1] })

        var changed = documents(9)
        changed[4] = documents(5, version: "v2")[4]
        let second = try ingestor.ingest(changed)
        #expect(second == .init(added: 0, replaced: 1, unchanged: 8, chunks: 3))
        #expect(try store.chunks().filter { $0.chunk.documentID == "doc4" }.contains { $0.chunk.text.contains("v2") })
    }

    @Test func aFailingEmbedderKeepsEveryCommittedDocument() throws {
        let store = try temporaryStore()
        let calls = ConcurrentLog<Int>()
        let failing = StoreIngestor(store: store, chunker: chunker, chunksPerBatch: 6) { texts in
            calls.append(texts.count)
            if calls.values.count == 3 { throw RetrievalError.invalidInput("embedder crashed") }
            return texts.map { _ in [1, 0] }
        }
        #expect(throws: RetrievalError.self) { try failing.ingest(documents(10)) }
        #expect(try store.counts().documents == 4)
        let resumed = StoreIngestor(store: store, chunker: chunker) { $0.map { _ in [1, 0] } }
        #expect(try resumed.ingest(documents(10)) == .init(added: 6, replaced: 0, unchanged: 4, chunks: 18))
    }

    /// Issue 13.1: a file that gains an ACL (same text) must not be reported unchanged while the
    /// store keeps it open to everyone.
    @Test func anAclChangeReachesTheStoreWithoutReembedding() throws {
        let store = try temporaryStore()
        let calls = ConcurrentLog<Int>()
        let ingestor = StoreIngestor(store: store, chunker: chunker) { texts in
            calls.append(texts.count)
            return texts.map { _ in [1, 0] }
        }
        var plan = documents(1)[0]
        _ = try ingestor.ingest([plan])
        plan.acl = ["research-board"]
        #expect(try ingestor.ingest([plan]) == .init(updated: 1))
        #expect(calls.values.count == 1)   // only the first ingest embedded
        #expect(try store.chunks().allSatisfy { $0.acl == ["research-board"] && !$0.isVisible(to: nil) })
        plan.metadata = ["status": "draft"]
        #expect(try ingestor.ingest([plan]) == .init(updated: 1))
        #expect(try ingestor.ingest([plan]) == .init(unchanged: 1))
        var forced = ingestor
        forced.force = true
        #expect(try forced.ingest([plan]) == .init(replaced: 1, chunks: 3))
    }

    /// Issue 13.5: two inputs with the same id never overwrite each other silently.
    @Test func duplicateIdsInOneRunAreRefusedNamingBothFiles() throws {
        let store = try temporaryStore()
        let ingestor = StoreIngestor(store: store, chunker: chunker) { $0.map { _ in [1, 0] } }
        let x = SourceDocument(id: "readme.md", sourcePath: "/x/readme.md", title: "X", text: "From x. Two. Three.")
        let y = SourceDocument(id: "readme.md", sourcePath: "/y/readme.md", title: "Y", text: "From y. Two. Three.")
        let counts = try ingestor.ingest([x, documents(1)[0], y])
        #expect(counts.added == 1 && counts.conflicts.count == 2)
        #expect(counts.conflicts.allSatisfy { "\($0)".contains("/x/readme.md") && "\($0)".contains("/y/readme.md") })
        #expect(try store.documents().map(\.id) == ["doc0"])
    }

    /// Issue 13.5 across runs: an id stored from a file that still exists is not taken over by
    /// another file; a file that moved (its old path is gone) takes its document over.
    @Test func anIdStoredFromAnotherExistingFileIsNotReplaced() throws {
        let store = try temporaryStore()
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("ragtune-ids-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let first = folder.appendingPathComponent("a.jsonl").path, second = folder.appendingPathComponent("b.jsonl").path
        try Data("x".utf8).write(to: URL(fileURLWithPath: first))
        try Data("x".utf8).write(to: URL(fileURLWithPath: second))
        let ingestor = StoreIngestor(store: store, chunker: chunker) { $0.map { _ in [1, 0] } }
        _ = try ingestor.ingest([SourceDocument(id: "1", sourcePath: first, title: "A", text: "Kept text.")])
        let clash = try ingestor.ingest([SourceDocument(id: "1", sourcePath: second, title: "B", text: "Other text.")])
        #expect(clash.conflicts == [IdConflict(id: "1", source: second, otherSource: first, otherIsStored: true)])
        #expect(try store.chunks().map(\.chunk.text) == ["Kept text."])

        try FileManager.default.removeItem(atPath: first)
        let moved = try ingestor.ingest([SourceDocument(id: "1", sourcePath: second, title: "A", text: "Kept text.")])
        #expect(moved == .init(updated: 1, moved: 1))
        #expect(try store.storedDocument("1")?.source == second)

        // An update folder takes over ids stored from files that still exist (compare --updates).
        try Data("x".utf8).write(to: URL(fileURLWithPath: first))
        var updater = ingestor
        updater.takesOver = true
        let update = try updater.ingest([SourceDocument(id: "1", sourcePath: first, title: "A", text: "Updated text.")])
        #expect(update == .init(replaced: 1, chunks: 1, moved: 1))
        #expect(try store.chunks().map(\.chunk.text) == ["Updated text."] && store.storedDocument("1")?.source == first)
    }
}
