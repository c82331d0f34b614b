import Foundation
import Testing
import RagTuneRetrieval
@testable import RagTuneStorage

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
        let batches = BatchLog()
        let ingestor = StoreIngestor(store: store, chunker: chunker, chunksPerBatch: 10) { texts in
            batches.record(texts.count)
            return texts.map { [Float($0.count), 1] }
        }
        let first = try ingestor.ingest(documents(9))
        #expect(first == .init(added: 9, replaced: 0, unchanged: 0, chunks: 27))
        #expect(batches.sizes == [12, 12, 3]) // 3 chunks a document, flushed once ≥ 10 are pending
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
        let calls = BatchLog()
        let failing = StoreIngestor(store: store, chunker: chunker, chunksPerBatch: 6) { texts in
            calls.record(texts.count)
            if calls.sizes.count == 3 { throw RetrievalError.invalidInput("embedder crashed") }
            return texts.map { _ in [1, 0] }
        }
        #expect(throws: RetrievalError.self) { try failing.ingest(documents(10)) }
        #expect(try store.counts().documents == 4)
        let resumed = StoreIngestor(store: store, chunker: chunker) { $0.map { _ in [1, 0] } }
        #expect(try resumed.ingest(documents(10)) == .init(added: 6, replaced: 0, unchanged: 4, chunks: 18))
    }
}

/// Records the size of each embedder call.
private final class BatchLog: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: [Int] = []
    var sizes: [Int] { lock.withLock { stored } }
    func record(_ size: Int) { lock.withLock { stored.append(size) } }
}
