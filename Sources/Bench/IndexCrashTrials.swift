import Foundation
import RagTuneModels
import RagTuneRetrieval
import RagTuneStorage
import RagTuneTensor

/// kill -9 during `ragtune index` of a folder (about 2 chunks per document, 3 embedding batches).
struct IndexCrashTrials {
    let documents: Int
    let dir: URL
    let child: CrashChild

    func run(trials: Int, rng: inout SplitMix64, log: (String) -> Void) throws -> CrashReport {
        var report = CrashReport()
        let started = Date()
        guard ModelDirectory().isInstalled(ModelCatalog.minilm) else {
            report.skipped = "minilm is not installed (ragtune models install minilm)"
            return report
        }
        let corpus = dir.appendingPathComponent("corpus")
        try FileManager.default.createDirectory(at: corpus, withIntermediateDirectories: true)
        for i in 0..<documents {
            let text = (0..<4).map { "Document \(i) sentence \($0) talks about topic \(($0 * 7 + i) % 13) and its neighbours." }
            try Data(text.joined(separator: " ").utf8).write(to: corpus.appendingPathComponent("doc\(i).txt"))
        }
        try Data("---\ntitle: Board notes\nacl: [board]\n---\n# Notes\nThe board meets on Mondays.\n".utf8)
            .write(to: corpus.appendingPathComponent("board.md"))
        try Data((0..<10).map { #"{"_id": "j\#($0)", "title": "Line \#($0)", "text": "JSONL record \#($0) about rivers and honey."}"# }
            .joined(separator: "\n").utf8).write(to: corpus.appendingPathComponent("kb.jsonl"))
        func arguments(_ store: String) -> [String] {
            ["index", "--store", store, corpus.path, "--chunk-tokens", "32", "--overlap", "4", "--threads", "2", "--json"]
        }
        // The uninterrupted run, twice (the first reads the model from a cold cache): kills are drawn
        // over the faster one's duration.
        let referencePath = dir.appendingPathComponent("reference.sqlite").path
        let (first, _) = try child.timed(arguments(dir.appendingPathComponent("warm-up.sqlite").path))
        let (second, _) = try child.timed(arguments(referencePath))
        let seconds = min(first, second)
        let reference = try SQLiteStore(path: referencePath, mode: .readOnly).snapshot(withEmbeddings: false).chunks
        let expected = Dictionary(grouping: reference, by: \.chunk.documentID).mapValues { $0.map(\.chunk.text) }
        report.counts["reference_documents"] = expected.count
        report.counts["reference_chunks"] = reference.count
        log(String(format: "index: reference run %.1f s, %d documents, %d chunks", seconds, expected.count, reference.count))
        for trial in 0..<trials {
            let trialDir = dir.appendingPathComponent("trial-\(trial)")
            try FileManager.default.createDirectory(at: trialDir, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: trialDir) }
            let store = trialDir.appendingPathComponent("store.sqlite").path
            var committed: Set<String> = []
            let status = try child.runKilled(arguments(store), after: seconds * 1.05 * Double(rng.float(0, 1))) {
                if FileManager.default.fileExists(atPath: store) {
                    committed = (try? Set(SQLiteStore(path: store, mode: .readOnly).documents().map(\.id))) ?? []
                }
            }
            report.trials += 1
            switch status {
            case nil: report.killed += 1
            case 0?: report.finishedBeforeKill += 1
            case let code?: report.fail("run failed", "trial \(trial): exit status \(code)")
            }
            report.counts["committed_before_kill", default: 0] += committed.count
            if FileManager.default.fileExists(atPath: store) {
                do {
                    let check = try StoreCheck(path: store, expected: expected, dimension: 384)
                    report.counts["documents_after_kill", default: 0] += check.documents.count
                    let lost = committed.subtracting(check.documents)
                    if !lost.isEmpty { report.fail("documents lost", "trial \(trial): \(lost.sorted().prefix(5))") }
                    for problem in check.inconsistent { report.fail("inconsistent document", "trial \(trial): \(problem)") }
                } catch {
                    report.fail("store does not open", "trial \(trial): \(error)")
                }
            } else if !committed.isEmpty {
                report.fail("documents lost", "trial \(trial): the store file is gone")
            }
            let (rerun, _) = try child.run(arguments(store))
            guard rerun == 0 else {
                report.fail("re-run failed", "trial \(trial): exit status \(rerun)")
                continue
            }
            do {
                let check = try StoreCheck(path: store, expected: expected, dimension: 384)
                if check.documents != Set(expected.keys) || !check.inconsistent.isEmpty {
                    report.fail("re-run incomplete", "trial \(trial): \(check.documents.count) of \(expected.count) documents, "
                                + "\(check.inconsistent.first ?? "")")
                }
                let reader = try SQLiteStore(path: store, mode: .readOnly)
                let hits = try StoreIndexes(storePath: store).searcher(for: reader, mode: .bm25)
                    .search("topic neighbours", embedding: nil, mode: .bm25, k: 3)
                if hits.isEmpty { report.fail("index unusable", "trial \(trial): BM25 finds nothing after the re-run") }
            } catch {
                report.fail("store does not open", "trial \(trial) after the re-run: \(error)")
            }
        }
        report.seconds = Date().timeIntervalSince(started)
        return report
    }
}
