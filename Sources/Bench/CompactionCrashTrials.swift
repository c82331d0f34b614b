import Foundation
import RagTuneModels
import RagTuneRetrieval
import RagTuneStorage
import RagTuneTensor

/// kill -9 during `ragtune remove --vector-index hnsw` of a third of a store's documents: the
/// saved HNSW index is updated and compacted (over a quarter tombstones) and saved with BM25.
struct CompactionCrashTrials {
    let documents: Int
    let dir: URL
    let child: CrashChild
    static let dimension = 384

    func run(trials: Int, rng: inout SplitMix64, log: (String) -> Void) throws -> CrashReport {
        var report = CrashReport()
        let started = Date()
        let base = dir.appendingPathComponent("base")
        try FileManager.default.createDirectory(at: base, withIntermediateDirectories: true)
        let basePath = base.appendingPathComponent("store.sqlite").path
        var vectors = SplitMix64(seed: 17)
        try addDocuments((0..<documents).map { "doc\($0)" }, to: basePath, rng: &vectors)
        _ = try child.timed(["remove", "--store", basePath, "--vector-index", "hnsw", "--json", "no-such-document"])
        let all = (0..<documents).map { "doc\($0)" }
        let referenceDir = dir.appendingPathComponent("reference")
        try copyStore(from: base, to: referenceDir)
        let (seconds, _) = try child.timed(["remove", "--store", referenceDir.appendingPathComponent("store.sqlite").path,
                                                 "--vector-index", "hnsw", "--json"] + all.prefix(documents * 35 / 100))
        log(String(format: "compaction: reference removal %.2f s over %d chunks", seconds, 3 * documents))
        for trial in 0..<trials {
            let trialDir = dir.appendingPathComponent("trial-\(trial)")
            try copyStore(from: base, to: trialDir)
            defer { try? FileManager.default.removeItem(at: trialDir) }
            let store = trialDir.appendingPathComponent("store.sqlite").path
            let removing = Set(all.shuffled(using: &rng).prefix(documents * (30 + rng.below(16)) / 100))
            var kept = Set(all).subtracting(removing)
            if rng.chance(0.5) { // new documents the HNSW update must insert
                let added = (0..<10).map { "new\(trial)-\($0)" }
                try addDocuments(added, to: store, rng: &vectors)
                kept.formUnion(added)
            }
            let status = try child.runKilled(["remove", "--store", store, "--vector-index", "hnsw", "--json"] + removing.sorted(),
                                                  after: seconds * 1.05 * Double(rng.float(0, 1)))
            report.trials += 1
            switch status {
            case nil: report.killed += 1
            case 0?: report.finishedBeforeKill += 1
            case let code?: report.fail("run failed", "trial \(trial): exit status \(code)")
            }
            do {
                let check = try StoreCheck(path: store, expected: nil, dimension: Self.dimension)
                let gone = removing.subtracting(check.documents).count
                if gone != 0 && gone != removing.count { report.fail("partial removal", "trial \(trial): \(gone) of \(removing.count)") }
                report.counts[gone == 0 ? "removal_not_committed" : "removal_committed", default: 0] += 1
                let lost = kept.subtracting(check.documents)
                if !lost.isEmpty { report.fail("documents lost", "trial \(trial): \(lost.sorted().prefix(5))") }
                for problem in check.inconsistent { report.fail("inconsistent document", "trial \(trial): \(problem)") }
                try checkIndexes(store: store, present: check.documents, trial: trial, afterRerun: false, report: &report)
            } catch {
                report.fail("store does not open", "trial \(trial): \(error)")
            }
            let (rerun, _) = try child.run(["remove", "--store", store, "--vector-index", "hnsw", "--json"] + removing.sorted())
            guard rerun == 0 else {
                report.fail("re-run failed", "trial \(trial): exit status \(rerun)")
                continue
            }
            do {
                let check = try StoreCheck(path: store, expected: nil, dimension: Self.dimension)
                if check.documents != kept { report.fail("re-run incomplete", "trial \(trial): \(check.documents.count) of \(kept.count)") }
                try checkIndexes(store: store, present: check.documents, trial: trial, afterRerun: true, report: &report)
            } catch {
                report.fail("store does not open", "trial \(trial) after the re-run: \(error)")
            }
        }
        report.seconds = Date().timeIntervalSince(started)
        return report
    }

    /// Snapshot files are never torn; dense search over the saved HNSW index returns only stored
    /// documents; after a re-run both snapshots are at the store's generation (nothing left to update).
    private func checkIndexes(store: String, present: Set<String>, trial: Int, afterRerun: Bool,
                              report: inout CrashReport) throws {
        let folder = URL(fileURLWithPath: store + ".indexes")
        let reader = try SQLiteStore(path: store, mode: .readOnly)
        let generation = try reader.generation()
        for name in ["bm25.snapshot", "hnsw.snapshot"] {
            guard let data = try? Data(contentsOf: folder.appendingPathComponent(name)) else {
                if afterRerun { report.fail("index missing after re-run", "trial \(trial): \(name)") }
                continue
            }
            let bytes = [UInt8](data)
            if !SnapshotFuzzTarget.Snapshot.isIntact(bytes) {
                report.fail("torn index file", "trial \(trial): \(name)")
            } else if afterRerun, let saved = SnapshotFuzzTarget.Snapshot(bytes), saved.generation != generation {
                report.fail("indexes stale after re-run", "trial \(trial): \(name) at generation \(saved.generation) of \(generation)")
            }
        }
        let searcher = try StoreIndexes(storePath: store).searcher(for: reader, mode: .dense, vectorIndex: .hnsw)
        var queries = SplitMix64(seed: UInt64(trial))
        for _ in 0..<3 {
            let hits = try searcher.search("", embedding: FuzzStoreSeed.unit(Self.dimension, &queries), mode: .dense, k: 10)
            if let stray = hits.first(where: { !present.contains($0.chunk.chunk.documentID) }) {
                report.fail("removed document returned", "trial \(trial): \(stray.chunk.chunk.documentID)")
            }
        }
    }

    /// Stores documents of 3 chunks with random unit embeddings, each in its own transaction.
    private func addDocuments(_ ids: [String], to path: String, rng: inout SplitMix64) throws {
        let store = try SQLiteStore(path: path)
        try store.setSetting("embedding_model", "all-MiniLM-L6-v2")
        for id in ids {
            let texts = (0..<3).map { "Chunk \($0) of \(id) about bees, comets and rivers." }
            let document = SourceDocument(id: id, sourcePath: "/kb/\(id).txt", title: id, text: texts.joined(separator: " "))
            var offset = 0
            let chunks = texts.enumerated().map { k, text in
                defer { offset += text.unicodeScalars.count + 1 }
                return Chunk(documentID: id, ordinal: k, text: text, heading: nil, startOffset: offset,
                             endOffset: offset + text.unicodeScalars.count, tokenCount: 12, prefixLength: 0)
            }
            try store.replace(document, chunks: chunks, embeddings: chunks.map { _ in FuzzStoreSeed.unit(Self.dimension, &rng) })
        }
    }

    /// Copies a store folder (the store, its WAL files if any, and its indexes).
    private func copyStore(from source: URL, to destination: URL) throws {
        try? FileManager.default.removeItem(at: destination)
        try FileManager.default.copyItem(at: source, to: destination)
    }
}
