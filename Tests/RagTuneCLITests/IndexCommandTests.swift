import Foundation
import Testing
import RagTuneTestSupport
import RagTuneModels
import RagTuneRAG
import RagTuneStorage
@testable import ragtune

/// `ragtune index` end to end on small folders: incremental re-indexing, edits, pruning, ACL and
/// filters, and recovery after the process is killed mid-ingest, on an SQLite file and on a
/// PostgreSQL store (`StoreBackend.tested`). Needs the MiniLM model.
@Suite(.serialized) struct IndexCommandTests {
    /// Whether the `ragtune` binary is built beside the tests (it is whenever `swift build --build-tests` ran).
    static var hasBinary: Bool { builtBinary() != nil }

    private func folder(_ files: [String: String]) throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("ragtune-index-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        for (name, text) in files { try Data(text.utf8).write(to: dir.appendingPathComponent(name)) }
        return dir
    }

    private func index(_ store: String, _ args: [String]) throws {
        let command = try IndexCommand.parse(["--store", store, "--json"] + args)
        try command.run()
    }

    @Test(.needsMiniLM, arguments: StoreBackend.tested)
    func reindexingIsIncrementalAndPruneRemovesDeletedFiles(backend: StoreBackend) throws {
        let dir = try folder(["a.txt": "Alpha reactors hum quietly.", "b.md": "# Bee\nBees make honey in hives.",
                              "c.txt": "Comets have icy tails.", "binary.txt": "ab\u{0}cd"])
        let location = try backend.makeStore()
        defer { location.drop() }
        let store = location.location
        try index(store, [dir.path, "--exclude", "*.sqlite*"])
        let database = try location.open()
        #expect(try database.counts().documents == 3) // the binary file is reported and skipped
        let firstChunks = try database.chunks().map(\.id)
        try index(store, [dir.path, "--exclude", "*.sqlite*"])
        #expect(try database.chunks().map(\.id) == firstChunks) // nothing rewritten
        try Data("Comets have icy tails and bright comas.".utf8).write(to: dir.appendingPathComponent("c.txt"))
        try FileManager.default.removeItem(at: dir.appendingPathComponent("a.txt"))
        try index(store, [dir.path, "--exclude", "*.sqlite*", "--prune"])
        let chunks = try database.chunks()
        #expect(Set(chunks.map(\.chunk.documentID)) == ["b.md", "c.txt"])
        #expect(chunks.first { $0.chunk.documentID == "c.txt" }?.chunk.text.contains("comas") == true)
        #expect(chunks.first { $0.chunk.documentID == "b.md" }.map { firstChunks.contains($0.id) } == true)
    }

    @Test(.needsMiniLM, arguments: StoreBackend.tested)
    func aclAndFiltersApplyBeforeRanking(backend: StoreBackend) throws {
        let lines = [
            #"{"_id": "pub", "title": "Payroll", "text": "Salaries are paid on the last Friday.", "team": "hr"}"#,
            #"{"_id": "sec", "title": "Payroll secret", "text": "Salaries of executives are paid early.", "team": "hr", "acl": ["ceo"]}"#,
            #"{"_id": "eng", "title": "Build", "text": "The build runs on Fridays.", "team": "eng"}"#,
        ]
        let dir = try folder(["kb.jsonl": lines.joined(separator: "\n")])
        let location = try backend.makeStore()
        defer { location.drop() }
        try index(location.location, [dir.appendingPathComponent("kb.jsonl").path])
        let searcher = try StoreIndexes(storePath: location.location, savesRebuiltIndexes: false)
            .searcher(for: location.open(.readOnly), mode: .hybrid)
        let embedding = try MiniLMEmbedder(threads: 1).embed(["when are executives paid"])[0]
        for mode in SearchMode.allCases {
            let anonymous = try searcher.search("executives paid", embedding: embedding, mode: mode, k: 10)
            #expect(!anonymous.contains { $0.chunk.documentID == "sec" }, "\(mode): ACL leaked")
            let ceo = try searcher.search("executives paid", embedding: embedding, mode: mode, k: 1, user: "ceo")
            #expect(ceo.first?.chunk.documentID == "sec", "\(mode)")
            let eng = try searcher.search("paid Friday", embedding: embedding, mode: mode, k: 10, filters: [("team", "eng")])
            #expect(eng.map(\.chunk.documentID) == ["eng"], "\(mode): the filter must keep only team=eng")
        }
    }

    @Test(.needsMiniLM, .enabled(if: hasBinary, "the ragtune binary is not built"), arguments: StoreBackend.tested)
    func killedIngestLeavesAConsistentStoreAndARerunFinishes(backend: StoreBackend) throws {
        let binary = try #require(Self.builtBinary())
        var files: [String: String] = [:]
        for i in 0..<300 {
            files["doc\(i).txt"] = (0..<40).map { "Document \(i) sentence \($0) talks about topic \(($0 * 7 + i) % 13)." }
                .joined(separator: " ")
        }
        let dir = try folder(files)
        let location = try backend.makeStore()
        defer { location.drop() }
        let store = location.location
        let process = Process()
        process.executableURL = binary
        process.arguments = ["index", "--store", store, dir.path, "--exclude", "*.sqlite*", "--threads", "1"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        // Wait until some documents are committed, then kill -9. The store is watched read-only: a
        // watcher that opened it for writing could take the write lock the indexer's commit needs.
        let deadline = Date().addingTimeInterval(120)
        while Date() < deadline && process.isRunning {
            Thread.sleep(forTimeInterval: 0.2)
            if let counts = try? location.open(.readOnly).counts(), counts.documents >= 20 { break }
        }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        let database = try location.open()
        let killed = try database.counts()
        #expect(killed.documents >= 20 && killed.documents < 300, "killed after \(killed.documents) documents")
        // Every stored document has all of its chunks: none was half written.
        let chunkDocs = Set(try database.chunks().map(\.chunk.documentID))
        #expect(chunkDocs == Set(try database.documents().map(\.id)))
        try index(store, [dir.path, "--exclude", "*.sqlite*"])
        #expect(try database.counts().documents == 300)
    }

    /// The `ragtune` binary built beside this test bundle (any scratch path), else the debug one in
    /// `.build`, or nil (with a SKIP line) when it is not built.
    static func builtBinary() -> URL? {
        let binary = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent(".build/debug/ragtune")
        let candidates = [Bundle.main.executableURL?.deletingLastPathComponent().appendingPathComponent("ragtune"),
                          Bundle.main.bundleURL.deletingLastPathComponent().appendingPathComponent("ragtune"), binary]
        if let found = candidates.compactMap({ $0 }).first(where: { FileManager.default.isExecutableFile(atPath: $0.path) }) {
            return found
        }
        print("SKIP: \(binary.path) not built")
        return nil
    }

    /// Runs the binary and parses its stdout as one JSON object, or with `afterRecords` its last
    /// line (the summary that follows JSONL records).
    static func runJSON(_ binary: URL, _ arguments: [String], afterRecords: Bool = false) throws -> [String: Any] {
        let process = Process(), output = Pipe()
        process.executableURL = binary
        process.arguments = arguments
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "ragtune \(arguments.joined(separator: " "))")
        let summary = afterRecords ? Data((String(decoding: data, as: UTF8.self).split(separator: "\n").last ?? "").utf8) : data
        return try #require(try JSONSerialization.jsonObject(with: summary) as? [String: Any])
    }

    @Test(.needsMiniLM, .enabled(if: hasBinary, "the ragtune binary is not built")) func searchUsesSavedHNSWIndexAndRemoveUpdatesIt() throws {
        let binary = try #require(Self.builtBinary())
        let lines = [
            #"{"_id": "pub", "title": "Payroll", "text": "Salaries are paid on the last Friday.", "team": "hr"}"#,
            #"{"_id": "sec", "title": "Payroll secret", "text": "Salaries of executives are paid early.", "acl": ["ceo"]}"#,
            #"{"_id": "eng", "title": "Build", "text": "The build runs on Fridays.", "team": "eng"}"#,
        ]
        let dir = try folder(["kb.jsonl": lines.joined(separator: "\n")])
        let store = dir.appendingPathComponent("store.sqlite").path
        try index(store, [dir.appendingPathComponent("kb.jsonl").path, "--vector-index", "hnsw"])
        #expect(FileManager.default.fileExists(atPath: store + ".indexes/hnsw.snapshot"))
        #expect(FileManager.default.fileExists(atPath: store + ".indexes/bm25.snapshot"))
        func search(_ mode: String, user: [String] = []) throws -> [String] {
            let result = try Self.runJSON(binary, ["search", "--store", store, "--vector-index", "hnsw", "--mode", mode, "--json",
                                              "-k", "3", "when are executives paid"] + user)
            #expect(result["vector_index"] as? String == (mode == "bm25" ? nil : "hnsw"))
            return (result["results"] as? [[String: Any]] ?? []).compactMap { $0["doc_id"] as? String }
        }
        for mode in ["bm25", "dense", "hybrid"] {
            #expect(try search(mode, user: ["--user", "ceo"]).first == "sec", "\(mode)")
            #expect(try !search(mode).contains("sec"), "\(mode): ACL leaked")
        }
        let removed = try Self.runJSON(binary, ["remove", "--store", store, "--vector-index", "hnsw", "--json", "sec"])
        #expect(removed["removed"] as? Int == 1)
        #expect(try !search("dense", user: ["--user", "ceo"]).contains("sec"))
    }

    @Test(.needsMiniLM, .enabled(if: hasBinary, "the ragtune binary is not built")) func evalRetrievalOnAStoreScoresDocumentsByTheirBestChunk() throws {
        let binary = try #require(Self.builtBinary())
        let corpus = [
            #"{"_id": "d1", "title": "Honey", "text": "Bees make honey from nectar in their hives."}"#,
            #"{"_id": "d2", "title": "Comets", "text": "Comets grow icy tails near the sun."}"#,
            #"{"_id": "d3", "title": "Rivers", "text": "The Amazon carries more water than any other river."}"#,
        ]
        let queries = [#"{"_id": "q1", "text": "how is honey made"}"#, #"{"_id": "q2", "text": "which river carries the most water"}"#,
                       #"{"_id": "q3", "text": "unjudged query"}"#]
        let dir = try folder(["corpus.jsonl": corpus.joined(separator: "\n"), "queries.jsonl": queries.joined(separator: "\n"),
                              "qrels.tsv": "query-id\tcorpus-id\tscore\nq1\td1\t1\nq2\td3\t1\n"])
        let store = dir.appendingPathComponent("eval.sqlite").path
        for mode in ["bm25", "dense", "hybrid"] {
            let result = try Self.runJSON(binary, ["eval", "retrieval", "--corpus", dir.appendingPathComponent("corpus.jsonl").path,
                                              "--queries", dir.appendingPathComponent("queries.jsonl").path,
                                              "--qrels", dir.appendingPathComponent("qrels.tsv").path,
                                              "--store", store, "--mode", mode, "--json"])
            #expect(result["queries"] as? Int == 2, "\(mode): the unjudged query is skipped")
            #expect(result["ndcg@10"] as? Double == 1, "\(mode)")
            #expect(result["store"] as? String == store)
        }
        #expect(try SQLiteStore(path: store).counts() == (3, 3)) // indexed once, reused by later modes
    }

    @Test(.needsMiniLM) func aHundredMegabyteFileIsReportedAndTheRestOfTheFolderIndexed() throws {
        let dir = try folder(["small.txt": "Small files are indexed."])
        let big = dir.appendingPathComponent("big.txt")
        try Data().write(to: big)
        let handle = try FileHandle(forWritingTo: big)
        let line = Data(String(repeating: "A hundred megabytes of ordinary text. ", count: 27_000).utf8) // ≈1 MB
        for _ in 0..<100 { handle.write(line) }
        try handle.close()
        #expect(try FileManager.default.attributesOfItem(atPath: big.path)[.size] as? Int ?? 0 >= 100_000_000)
        let store = dir.appendingPathComponent("store.sqlite").path
        try index(store, [dir.path, "--exclude", "*.sqlite*"])
        let documents = try SQLiteStore(path: store).documents().map(\.id)
        #expect(documents.contains("small.txt") && !documents.contains("big.txt"))
        try FileManager.default.removeItem(at: big)
    }
}
