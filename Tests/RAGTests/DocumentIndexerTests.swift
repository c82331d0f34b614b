import Foundation
import Testing
import RagTuneModels
import RagTuneStorage
import RagTuneTestSupport
@testable import RagTuneRAG

/// `DocumentIndexer.run`: what `index` does, as one library call, with MiniLM.
@Suite(.serialized) struct DocumentIndexerTests {
    private func folder(_ files: [String: String]) throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("ragtune-indexer-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        for (name, text) in files { try Data(text.utf8).write(to: dir.appendingPathComponent(name)) }
        return dir
    }

    @Test(.needsMiniLM) func indexesIncrementallyPrunesAndCountsFailures() throws {
        let dir = try folder(["a.md": "# Bees\n\nBees make honey.", "b.txt": "The Mordro-18 reactor was designed by Kesttov Kanaxdro.",
                              "bad.md": "---\nacl: [unclosed\n---\nBody."])
        let embedder = try MiniLMEmbedder(threads: 1)
        var job = IndexJob(storePath: dir.appendingPathComponent("s.sqlite").path, inputs: [dir.path])
        job.threads = 1
        var progress: [Int] = []
        let first = try DocumentIndexer.run(job, embedder: embedder, progress: { done, total in
            #expect(total == 2)
            progress.append(done)
        })
        #expect(first.added == 2 && first.failedFiles == 1 && first.failed.first?.path.hasSuffix("bad.md") == true)
        #expect(first.documents == 2 && first.chunks >= 2 && first.processed == 2 && progress.last == 2)
        let again = try DocumentIndexer.run(job, embedder: embedder)
        #expect(again.added == 0 && again.unchanged == 2)
        try FileManager.default.removeItem(at: dir.appendingPathComponent("a.md"))
        job.prune = true
        let pruned = try DocumentIndexer.run(job, embedder: embedder)
        #expect(pruned.removed == 1 && pruned.documents == 1)
        #expect(try SQLiteStore(path: job.storePath, mode: .readOnly).setting("embedding_model") == AnyDocumentStore.embeddingModel)
    }

    @Test func nothingReadableLeavesNoStore() throws {
        let dir = try folder(["bad.md": "---\nacl: [unclosed\n---\nBody."])
        let job = IndexJob(storePath: dir.appendingPathComponent("s.sqlite").path, inputs: [dir.appendingPathComponent("bad.md").path])
        #expect(throws: RAGError.self) { _ = try DocumentIndexer.run(job) }
        #expect(!FileManager.default.fileExists(atPath: job.storePath))
    }

    @Test func aStoreOfAnotherModelIsRefused() throws {
        let dir = try folder([:])
        let path = dir.appendingPathComponent("s.sqlite").path
        try SQLiteStore(path: path).setSetting("embedding_model", "other-model")
        let error = #expect(throws: RAGError.self) { _ = try AnyDocumentStore.openForEmbedding(path) }
        #expect(error?.description == "\(path) was built with other-model; RagTune embeds with all-MiniLM-L6-v2")
    }

    /// `index --json` keys.
    @Test func summaryKeysArePinned() throws {
        let summary = IndexSummary(store: "s", added: 1, replaced: 0, updated: 0, moved: 0, unchanged: 0, removed: 0, chunksWritten: 1,
                                   failedFiles: 1, failed: [.init(path: "p", error: "e")], idConflicts: 0, documents: 1, chunks: 1,
                                   seconds: 0.5)
        #expect(try JSONKeys.paths(of: summary) == ["added", "chunks", "chunks_written", "documents", "failed", "failed[].error",
                                                    "failed[].path", "failed_files", "moved", "removed", "replaced", "seconds",
                                                    "store", "unchanged", "updated"])
    }
}
