import Foundation
import Testing
import RagTuneModelFiles
import RagTuneTensor
import RagTuneTraining
@testable import RagTuneBench

/// The traps `ragtune bench fuzz` found (issue #13, item 16), each replayed as a small hostile
/// file through the command a user would run. The command runs in a child process, so a trap
/// fails the test (`.uncaughtSignal`) instead of killing the test run; a clean error or a rebuilt
/// index passes. Each comment names the input and where it trapped; each was fixed at that place.
@Suite(.serialized) struct FuzzFoundCrashTests {
    static var binary: URL? { IndexCommandTests.builtBinary() }

    private func folder() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("ragtune-fuzzfound-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }

    /// Runs `ragtune arguments…`: how it ended, its status and stderr.
    private func ragtune(_ arguments: [String]) throws -> (reason: Process.TerminationReason, status: Int32, stderr: String) {
        let process = Process(), errors = Pipe()
        process.executableURL = Self.binary!
        process.arguments = arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = errors
        var environment = ProcessInfo.processInfo.environment
        environment["SWIFT_BACKTRACE"] = "enable=no"
        process.environment = environment
        try process.run()
        let stderr = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return (process.terminationReason, process.terminationStatus, stderr)
    }

    /// Expects a clean refusal: exit status ≠ 0 (not a signal) and stderr naming `path`.
    private func expectRefused(_ arguments: [String], naming path: String, _ comment: Comment) throws {
        let result = try ragtune(arguments)
        #expect(result.reason == .exit, "\(comment): trapped: \(result.stderr.prefix(300))")
        #expect(result.status != 0 && result.stderr.contains(URL(fileURLWithPath: path).lastPathComponent),
                "\(comment): \(result.stderr.prefix(300))")
    }

    /// Writes the fuzz seed's `NAME.snapshot` (bm25 or hnsw), changed by `change` and with a valid
    /// checksum, beside the store at `path`.
    private func writeSnapshot(_ name: String, beside path: String, change: (inout SnapshotFuzzTarget.Snapshot) -> Void) throws {
        let indexes = URL(fileURLWithPath: path + ".indexes")
        try FileManager.default.createDirectory(at: indexes, withIntermediateDirectories: true)
        let files = try #require(FuzzStoreSeed.files)
        var snapshot = try #require(SnapshotFuzzTarget.Snapshot(name == "bm25" ? files.bm25 : files.hnsw))
        change(&snapshot)
        try Data(snapshot.bytes(validChecksum: true)).write(to: indexes.appendingPathComponent("\(name).snapshot"))
    }

    /// The fuzz seed store (12 documents, 8-d embeddings) with `patch` applied to its bytes.
    private func store(in dir: URL, patch: (inout [UInt8]) -> Void = { _ in }) throws -> String {
        var bytes = try #require(FuzzStoreSeed.files).store
        patch(&bytes)
        let path = dir.appendingPathComponent("store.sqlite").path
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return path
    }

    /// `bench fuzz --formats store` (debug run, 11 of 200 cases): a NULL `ordinal`/`prefixLength`/
    /// `startOffset` or an integer `heading` trapped in GRDB's `row[column]` (`try!`) in
    /// `SQLiteStore.snapshot`. Every integer 0 of every record becomes NULL here (serial type 8 → 0,
    /// which keeps the records' layout).
    @Test(.enabled(if: FuzzFoundCrashTests.binary != nil, "needs the ragtune binary beside the tests"))
    func aStoreWithANullColumnIsAnErrorNotATrap() throws {
        let dir = try folder()
        defer { try? FileManager.default.removeItem(at: dir) }
        var zeros = 0
        let path = try store(in: dir) { bytes in
            for field in SQLiteRecords.fields(in: bytes) where field.serialType == 8 && field.typeLength == 1 {
                bytes[field.typeOffset] = 0
                zeros += 1
            }
        }
        #expect(zeros > 10)
        try expectRefused(["search", "--store", path, "--mode", "bm25", "--json", "bees"], naming: path, "NULL columns")
    }

    /// `bench fuzz --formats store` (10k job: cases 1371, 1774, 3819, 4507, 9479, 9754): a chunk whose
    /// `prefixLength` is negative trapped in `Chunk.body` (`dropFirst(-1)`, TextChunker.swift:20), which
    /// `search` prints and `ask` compresses.
    @Test(.enabled(if: FuzzFoundCrashTests.binary != nil, "needs the ragtune binary beside the tests"))
    func aNegativePrefixLengthIsNotATrap() throws {
        let dir = try folder()
        defer { try? FileManager.default.removeItem(at: dir) }
        var patched = 0
        let path = try store(in: dir) { bytes in
            // chunk rows: (id, documentId, ordinal, text, heading, startOffset, endOffset, tokenCount, prefixLength, embedding);
            // doc5's chunks carry a heading, so their prefixLength (9) is a 1-byte integer: make it -1.
            for record in SQLiteRecords.records(in: bytes) where record.count == 10 && record[8].serialType == 1
                && record[9].serialType >= 12 && record[9].serialType % 2 == 0 {
                bytes[record[8].valueOffset] = 0xFF
                patched += 1
            }
        }
        #expect(patched > 0)
        // doc5 is visible to "ceo" only; every chunk matches "document", so all are printed (with `body`).
        let result = try ragtune(["search", "--store", path, "--mode", "bm25", "-k", "30", "--user", "ceo", "document"])
        #expect(result.reason == .exit, "trapped: \(result.stderr.prefix(300))")
    }

    /// `bench fuzz --formats snapshot` (case 134 of the first debug run): a `bm25.snapshot` with a valid
    /// checksum whose chunk-id list is one shorter than the BM25 index's documents made
    /// `ChunkSearcher.search` index past `chunkOfPosition` (ChunkSearcher.swift:85). It must be rebuilt.
    @Test(.enabled(if: FuzzFoundCrashTests.binary != nil, "needs the ragtune binary beside the tests"))
    func aBM25SnapshotWithTooFewChunkIdsIsRebuiltNotATrap() throws {
        let dir = try folder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = try store(in: dir)
        try writeSnapshot("bm25", beside: path) { $0.chunkIds.removeLast() }
        // The last BM25 position (doc9's only chunk) has no chunk id. "salaries" is in 4 chunks, doc9's
        // among them, so with -k 5 every one is offered to the filter that maps positions to chunks.
        for query in ["salaries", "salaries paid", "bees honey Friday"] {
            for k in [1, 5] {
                let result = try ragtune(["search", "--store", path, "--mode", "bm25", "--json", "-k", "\(k)", query])
                #expect(result.reason == .exit, "search -k \(k) '\(query)' trapped: \(result.stderr.prefix(300))")
                #expect(result.status == 0, "\(result.stderr.prefix(300))")
            }
        }
    }

    /// `bench fuzz --formats snapshot` (10k job: 22 cases, e.g. 1441): an `hnsw.snapshot` with a valid
    /// checksum whose index header claims a dimension of 2^31 made `HNSWIndex(serialized:)` build an
    /// `HNSWIndex(dimension:…)` first, whose `HNSWVectorRows` allocate capacity × dimension floats
    /// (HNSWIndex+Vectors.swift:31, 128–256 GB) and abort.
    @Test(.enabled(if: FuzzFoundCrashTests.binary != nil, "needs the ragtune binary beside the tests"))
    func anHNSWSnapshotWithAHugeDimensionIsRebuiltNotATrap() throws {
        let dir = try folder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = try store(in: dir)
        try writeSnapshot("hnsw", beside: path) { snapshot in   // "RTHNSWIX" u32 version, u32 dimension
            for (k, byte) in [0, 0, 0, 0x80].enumerated() { snapshot.payload[12 + k] = UInt8(byte) }
        }
        let result = try ragtune(["remove", "--store", path, "--vector-index", "hnsw", "--json", "no-such-document"])
        #expect(result.reason == .exit, "trapped: \(result.stderr.prefix(300))")
        #expect(result.status == 0, "\(result.stderr.prefix(300))")
    }

    /// A tiny model GGUF with its metadata edited, written to `dir`.
    private func model(in dir: URL, _ edit: @escaping (inout [(String, GGUFValue)]) -> Void) throws -> String {
        let url = dir.appendingPathComponent("tiny.gguf")
        try FuzzTinyModel.gguf(FuzzTinyModel.fuzzConfig, edit: edit).write(to: url)
        return url.path
    }

    /// `bench fuzz --formats gguf` (10k job: 12 cases, e.g. 774): `llama.block_count` 2147483647 made
    /// `LlamaModel(gguf:)` reserve that many layers (`(0..<layerCount).map`, Llama.swift:55: 996 GB)
    /// and abort, before a missing `blk.1.*` tensor could be reported.
    @Test(.enabled(if: FuzzFoundCrashTests.binary != nil, "needs the ragtune binary beside the tests"))
    func aHugeBlockCountIsAnErrorNotATrap() throws {
        let dir = try folder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = try model(in: dir) { meta in
            meta = meta.map { $0.0 == "llama.block_count" ? ($0.0, .uint64(2_147_483_647)) : $0 }
        }
        try expectRefused(["generate", "--model-file", path, "--max-tokens", "1", "Hi"], naming: path, "block_count 2^31-1")
    }

    /// `bench fuzz --formats gguf` (10k job: cases 3208, 5961, 6513): `llama.attention.head_count` 0
    /// without `llama.rope.dimension_count` divided by zero in `LlamaConfig.headSize`
    /// (LlamaConfig.swift:18, called for the rope default before the checks).
    @Test(.enabled(if: FuzzFoundCrashTests.binary != nil, "needs the ragtune binary beside the tests"))
    func aZeroHeadCountIsAnErrorNotATrap() throws {
        let dir = try folder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = try model(in: dir) { meta in
            meta = meta.filter { $0.0 != "llama.rope.dimension_count" }
                .map { $0.0 == "llama.attention.head_count" ? ($0.0, .uint32(0)) : $0 }
        }
        try expectRefused(["generate", "--model-file", path, "--max-tokens", "1", "Hi"], naming: path, "head_count 0")
    }

    /// `bench fuzz --formats safetensors` (10k job: cases 3211, 9693; seed 2: case 5151): an
    /// `adapter_config.json` with `"r": 2147483647` made `PEFTAdapter(directory:config:)` allocate
    /// `LoRAParameters.zeros` for that rank (PEFTAdapter+Files.swift:69 → LoRAParameters.swift:64, 480 GB)
    /// before checking the tensors' shapes; `"r": 9223372036854775807` overflowed computing the layout
    /// (LoRAParameters.swift:34, from PEFTAdapter+Files.swift:68). Each rank must be refused cleanly.
    @Test(.enabled(if: FuzzFoundCrashTests.binary != nil, "needs the ragtune binary beside the tests"))
    func aHugeAdapterRankIsAnErrorNotATrap() throws {
        let dir = try folder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = try model(in: dir) { _ in }
        let seed = try #require(SafetensorsFuzzTarget.adapter)
        for rank in ["2147483647", "9223372036854775807", "4611686018427387904", "-1", "0"] {
            let adapter = dir.appendingPathComponent("adapter-r\(rank)")
            try FileManager.default.createDirectory(at: adapter, withIntermediateDirectories: true)
            try Data(seed.weights).write(to: adapter.appendingPathComponent(PEFTAdapter.weightsFileName))
            let config = String(decoding: seed.config, as: UTF8.self)
                .replacingOccurrences(of: #""r" *: *2\b"#, with: "\"r\": \(rank)", options: .regularExpression)
            #expect(config.contains("\"r\": \(rank)"))
            try Data(config.utf8).write(to: adapter.appendingPathComponent(PEFTAdapter.configFileName))
            try expectRefused(["generate", "--model-file", path, "--adapter", adapter.path, "--max-tokens", "1", "Hi"],
                              naming: adapter.path, "r \(rank)")
        }
    }

    /// `bench fuzz --seed 2 --formats store` (case 8437): one byte of the `document` primary-key index
    /// changed ("doc5" → "dkc5" in its leaf page) put the index out of order; SQLite then joined some
    /// chunks to their document twice, and the repeated chunk ids trapped in `StoreIndexes.searcher`
    /// (`Dictionary(uniqueKeysWithValues:)` over chunk ids, StoreIndexes.swift:58: "Duplicate values
    /// for key").
    @Test(.enabled(if: FuzzFoundCrashTests.binary != nil, "needs the ragtune binary beside the tests"))
    func aDamagedDocumentIndexIsAnErrorNotATrap() throws {
        let dir = try folder()
        defer { try? FileManager.default.removeItem(at: dir) }
        var patched = false
        let path = try store(in: dir) { bytes in
            // The index record of "doc5": header (3 bytes: size, text of 4, 1-byte int), key, rowid.
            let record: [UInt8] = [0x03, 0x15, 0x01] + Array("doc5".utf8)
            guard let at = (0...(bytes.count - record.count)).first(where: { bytes[$0..<($0 + record.count)].elementsEqual(record) })
            else { return }
            bytes[at + 4] = UInt8(ascii: "k")
            patched = true
        }
        #expect(patched)
        let result = try ragtune(["search", "--store", path, "--mode", "bm25", "-k", "30", "document"])
        #expect(result.reason == .exit, "trapped: \(result.stderr.prefix(300))")
    }
}
