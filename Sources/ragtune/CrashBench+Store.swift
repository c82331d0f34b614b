import Foundation
import RagTuneModels
import RagTuneRetrieval
import RagTuneStorage
import RagTuneTensor

/// What a store holds, checked document by document.
struct StoreCheck {
    var documents: Set<String> = []
    /// Documents whose chunks or embeddings are not what they must be, with the reason.
    var inconsistent: [String] = []

    /// Opens `path` read-only (as `search` does) and checks every document's chunks: ordinals
    /// 0..<n, texts as `expected` (when given), finite unit embeddings of `dimension`.
    init(path: String, expected: [String: [String]]?, dimension: Int) throws {
        let store = try SQLiteStore(path: path, mode: .readOnly)
        documents = Set(try store.documents().map(\.id))
        let chunks = Dictionary(grouping: try store.snapshot(withEmbeddings: true).chunks, by: \.chunk.documentID)
        for id in chunks.keys where !documents.contains(id) { inconsistent.append("\(id): chunks without a document") }
        for id in documents.sorted() {
            let mine = (chunks[id] ?? []).sorted { $0.chunk.ordinal < $1.chunk.ordinal }
            if mine.map(\.chunk.ordinal) != Array(mine.indices) { inconsistent.append("\(id): ordinals \(mine.map(\.chunk.ordinal))") }
            if let texts = expected?[id], texts != mine.map(\.chunk.text) {
                inconsistent.append("\(id): \(mine.count) chunks, the uninterrupted run stores \(texts.count)")
            }
            if mine.isEmpty && expected == nil { inconsistent.append("\(id): no chunks") }
            for chunk in mine {
                let e = chunk.embedding, norm = e.reduce(0) { $0 + $1 * $1 }.squareRoot()
                if e.count != dimension || !e.allSatisfy(\.isFinite) || abs(norm - 1) > 1e-3 {
                    inconsistent.append("\(id): chunk \(chunk.chunk.ordinal) has a bad embedding (\(e.count) values, norm \(norm))")
                }
            }
        }
    }
}

/// kill -9 during `ragtune index` of a folder (about 2 chunks per document, 3 embedding batches).
struct IndexCrashTrials {
    let documents: Int
    let dir: URL

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
        let (first, _) = try CrashChild.timed(arguments(dir.appendingPathComponent("warm-up.sqlite").path))
        let (second, _) = try CrashChild.timed(arguments(referencePath))
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
            let status = try CrashChild.runKilled(arguments(store), after: seconds * 1.05 * Double(rng.float(0, 1))) {
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
            let (rerun, _) = try CrashChild.run(arguments(store))
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

/// kill -9 during `ragtune remove --vector-index hnsw` of a third of a store's documents: the
/// saved HNSW index is updated and compacted (over a quarter tombstones) and saved with BM25.
struct CompactionCrashTrials {
    let documents: Int
    let dir: URL
    static let dimension = 384

    func run(trials: Int, rng: inout SplitMix64, log: (String) -> Void) throws -> CrashReport {
        var report = CrashReport()
        let started = Date()
        let base = dir.appendingPathComponent("base")
        try FileManager.default.createDirectory(at: base, withIntermediateDirectories: true)
        let basePath = base.appendingPathComponent("store.sqlite").path
        var vectors = SplitMix64(seed: 17)
        try addDocuments((0..<documents).map { "doc\($0)" }, to: basePath, rng: &vectors)
        _ = try CrashChild.timed(["remove", "--store", basePath, "--vector-index", "hnsw", "--json", "no-such-document"])
        let all = (0..<documents).map { "doc\($0)" }
        let referenceDir = dir.appendingPathComponent("reference")
        try copyStore(from: base, to: referenceDir)
        let (seconds, _) = try CrashChild.timed(["remove", "--store", referenceDir.appendingPathComponent("store.sqlite").path,
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
            let status = try CrashChild.runKilled(["remove", "--store", store, "--vector-index", "hnsw", "--json"] + removing.sorted(),
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
            let (rerun, _) = try CrashChild.run(["remove", "--store", store, "--vector-index", "hnsw", "--json"] + removing.sorted())
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
