import Foundation
import RagTuneRetrieval
import RagTuneStorage
import RagTuneTensor

/// A small store built in code (12 documents, some with an ACL, 8-d embeddings), its saved
/// BM25 and HNSW snapshots, and what searching it needs.
enum FuzzStoreSeed {
    static let dimension = 8

    static func documents() -> [SourceDocument] {
        let topics = ["Bees make honey in hives.", "Comets have icy tails.", "Rivers carry water to the sea.",
                      "Salaries are paid on the last Friday.", "The build runs on Fridays.", "Honey never spoils."]
        return (0..<12).map { i in
            let text = (0..<(1 + i % 3)).map { topics[($0 + i) % topics.count] + " Part \($0) of document \(i)." }
                .joined(separator: "\n\n")
            return SourceDocument(id: "doc\(i)", sourcePath: "/kb/doc\(i).md", title: "Document \(i)",
                                  text: i == 5 ? "# Heading\n\n" + text : text, metadata: i % 2 == 0 ? ["team": "hr"] : [:],
                                  acl: i % 4 == 1 ? ["ceo"] : [], format: i == 5 ? .markdown : .text)
        }
    }

    static func embedding(_ rng: inout SplitMix64) -> [Float] { unit(dimension, &rng) }

    /// A random L2-normalized vector.
    static func unit(_ dimension: Int, _ rng: inout SplitMix64) -> [Float] {
        let v = rng.floats(dimension)
        let norm = max(1e-6, v.reduce(0) { $0 + $1 * $1 }.squareRoot())
        return v.map { $0 / norm }
    }

    /// (store bytes, bm25.snapshot bytes, hnsw.snapshot bytes), built once per process.
    static let files: (store: [UInt8], bm25: [UInt8], hnsw: [UInt8])? = {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("ragtune-fuzz-store-\(getpid())")
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("store.sqlite").path
        do {
            do {
                let store = try SQLiteStore(path: path)
                let chunker = try TextChunker(maxTokens: 12, overlapTokens: 2, countTokens: { $0.split(separator: " ").count })
                var rng = SplitMix64(seed: 7)
                for document in documents() {
                    let chunks = chunker.chunk(document)
                    try store.replace(document, chunks: chunks, embeddings: chunks.map { _ in embedding(&rng) })
                }
                try store.setSetting("embedding_model", "all-MiniLM-L6-v2")
                try StoreIndexes(storePath: path, hnswParameters: .init(m: 4, efConstruction: 16)).refresh(store, vectorIndex: .hnsw)
            } // the store closes here: SQLite checkpoints the WAL into the file
            let indexes = dir.appendingPathComponent("store.sqlite.indexes")
            // The only REAL column (`indexedAt`) holds the clock: fix it, so every process (the
            // worker that crashed and the parent that saves its input) builds the same bytes.
            var store = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
            for field in SQLiteRecords.fields(in: store) where field.serialType == 7 {
                let fixed = Double(1_700_000_000).bitPattern
                for k in 0..<8 { store[field.valueOffset + k] = UInt8(truncatingIfNeeded: fixed >> (8 * UInt64(7 - k))) }
            }
            return (store,
                    [UInt8](try Data(contentsOf: indexes.appendingPathComponent("bm25.snapshot"))),
                    [UInt8](try Data(contentsOf: indexes.appendingPathComponent("hnsw.snapshot"))))
        } catch {
            return nil
        }
    }()

    /// Searches `path` as `search` and `ask` do, in every mode, anonymously and as "ceo".
    /// - Returns: violations (an ACL leak, more than k results).
    static func search(_ store: some DocumentStore, path: String, vectorIndex: VectorIndexChoice) throws -> [String] {
        var rng = SplitMix64(seed: 11)
        let query = embedding(&rng)
        let indexes = StoreIndexes(storePath: path, hnswParameters: .init(m: 4, efConstruction: 16))
        var violations: [String] = []
        for mode in SearchMode.allCases {
            let searcher = try indexes.searcher(for: store, mode: mode, vectorIndex: vectorIndex)
            for user in [nil, "ceo"] as [String?] {
                for k in [1, 5] {
                    let results = try searcher.search("bees honey Friday", embedding: query, mode: mode, k: k, user: user)
                    if results.count > k { violations.append("\(mode): \(results.count) results for k \(k)") }
                    if user == nil, results.contains(where: { !$0.chunk.acl.isEmpty }) { violations.append("\(mode): ACL leak") }
                    for result in results { _ = result.chunk.chunk.body }
                }
            }
        }
        return violations
    }
}

/// Store files (`--store`): opened read-only and searched (as `search`/`ask`), then opened for
/// writing, a document added and one removed, indexes refreshed (as `index`/`remove`).
struct StoreFuzzTarget: FuzzTarget {
    func seeds() throws -> [FuzzInput] {
        guard let files = FuzzStoreSeed.files else { throw FuzzRejection(description: "the seed store did not build") }
        return [FuzzInput("store.sqlite", files.store)]
    }

    func mutate(_ input: FuzzInput, rng: inout SplitMix64) -> FuzzInput {
        var bytes = input.bytes
        let fields = SQLiteRecords.fields(in: bytes)
        switch rng.below(5) {
        case 0, 1: // retype a record field without changing the record's size (NULL ↔ 0/1, text ↔ blob, int ↔ float)
            guard !fields.isEmpty else { break }
            let field = rng.pick(fields)
            let type = field.serialType
            let swapped: Int64
            switch type {
            case 0: swapped = rng.pick([8, 9])
            case 8, 9: swapped = rng.pick([0, 17 - type])
            case 6: swapped = 7
            case 7: swapped = 6
            case 12...: swapped = type % 2 == 0 ? type + 1 : type - 1
            default: swapped = type
            }
            if let byte = SQLiteRecords.singleByteVarint(swapped), field.typeLength == 1 { bytes[field.typeOffset] = byte }
        case 2: // overwrite a value's bytes (integers, JSON text, embedding floats) keeping its length
            guard let field = fields.filter({ $0.valueLength > 0 }).randomElement(using: &rng) else { break }
            let range = field.valueOffset..<(field.valueOffset + field.valueLength)
            switch rng.below(4) {
            case 0: for i in range { bytes[i] = 0xFF }
            case 1 where field.valueLength % 4 == 0: // NaN or infinity floats
                let pattern: [UInt8] = rng.chance(0.5) ? [0, 0, 0xC0, 0x7F] : [0, 0, 0x80, 0x7F]
                for i in range { bytes[i] = pattern[(i - range.lowerBound) % 4] }
            case 2:
                let text = Array(rng.pick(["[1,", "null", "{\"a\":1}", "[\"x\"]", "\u{0}", "{", "[[[[", "\"\\ud800\""]).utf8)
                for (k, i) in range.enumerated() { bytes[i] = k < text.count ? text[k] : 0x20 }
            default: bytes[rng.pick(Array(range))] = UInt8(truncatingIfNeeded: rng.next())
            }
        case 3 where rng.chance(0.3): // a text key copied over another of the same length (two rows, one id)
            let texts = fields.filter { $0.serialType >= 13 && $0.serialType % 2 == 1 && $0.valueLength > 0 }
            let a = texts.isEmpty ? nil : rng.pick(texts)
            if let a, let b = texts.filter({ $0.valueLength == a.valueLength && $0.valueOffset != a.valueOffset })
                .randomElement(using: &rng) {
                bytes.replaceSubrange(b.valueOffset..<(b.valueOffset + b.valueLength),
                                      with: bytes[a.valueOffset..<(a.valueOffset + a.valueLength)])
            }
        case 3: // a b-tree page header: page type, cell count, a cell pointer
            let pageSize = SQLiteRecords.pageSize(bytes)
            guard pageSize > 0, bytes.count >= pageSize else { break }
            let page = rng.below(bytes.count / pageSize), header = page * pageSize + (page == 0 ? 100 : 0)
            let offset = header + rng.pick([0, 3, 4, 5, 8, 9])
            if offset < bytes.count { bytes[offset] = rng.pick([0, 1, 2, 5, 10, 13, 0xFF, bytes[offset] &+ 1, bytes[offset] &- 1]) }
        default: // the database header: page size, versions, reserved space, counts, text encoding
            let offset = rng.pick([16, 17, 18, 19, 20, 21, 28, 31, 35, 39, 44, 47, 51, 59, 67, 95])
            if offset < bytes.count { bytes[offset] = rng.pick([0, 1, 2, 3, 4, 0x10, 0x80, 0xFF]) }
        }
        return FuzzInput(input.name, bytes)
    }

    func run(_ input: FuzzInput, in scratch: URL) throws -> [String] {
        let path = try fuzzWrite(input, in: scratch).path
        let reader = try SQLiteStore(path: path, mode: .readOnly)
        _ = try reader.counts()
        let documents = Set(try reader.documents().map(\.id))
        let snapshot = try reader.snapshot(withEmbeddings: true)
        var violations = snapshot.chunks.contains { !documents.contains($0.chunk.documentID) } ? ["a chunk without its document"] : []
        violations += try FuzzStoreSeed.search(reader, path: path, vectorIndex: input.bytes.count % 2 == 0 ? .exact : .hnsw)
        let writer = try SQLiteStore(path: path)
        var rng = SplitMix64(seed: 5)
        let document = SourceDocument(id: "new", sourcePath: "/kb/new.txt", title: "New", text: "A new document.")
        let chunks = try TextChunker(maxTokens: 12, overlapTokens: 2, countTokens: { $0.split(separator: " ").count }).chunk(document)
        try writer.replace(document, chunks: chunks, embeddings: chunks.map { _ in FuzzStoreSeed.embedding(&rng) })
        _ = try writer.remove(["doc0"])
        try StoreIndexes(storePath: path, hnswParameters: .init(m: 4, efConstruction: 16)).refresh(writer, vectorIndex: .hnsw)
        return violations
    }
}

/// Index snapshots beside a store (`STORE.indexes/bm25.snapshot`, `hnsw.snapshot`): a mutated
/// file next to the seed store, loaded (or refused and rebuilt) by every search mode.
struct SnapshotFuzzTarget: FuzzTarget {
    func seeds() throws -> [FuzzInput] {
        guard let files = FuzzStoreSeed.files else { throw FuzzRejection(description: "the seed store did not build") }
        return [FuzzInput("bm25.snapshot", files.bm25), FuzzInput("hnsw.snapshot", files.hnsw)]
    }

    func mutate(_ input: FuzzInput, rng: inout SplitMix64) -> FuzzInput {
        guard var snapshot = Snapshot(input.bytes) else { return input }
        switch rng.below(5) {
        case 0: // the generation (stale snapshots are updated or rebuilt) or the store (another store's are rebuilt)
            if rng.chance(0.5) {
                snapshot.generation = rng.pick([0, snapshot.generation &- 1, snapshot.generation &+ 1, .max])
            } else {
                snapshot.store = rng.pick([0, snapshot.store ^ 1, .max])
            }
        case 1: // chunk ids: -1, unknown, repeated, one dropped or added
            var ids = snapshot.chunkIds
            switch rng.below(4) {
            case 0 where !ids.isEmpty: ids[rng.below(ids.count)] = rng.pick([-1, 0, 9999, Int64.max, Int64.min, ids[rng.below(ids.count)]])
            case 1 where !ids.isEmpty: ids.removeLast()
            case 2: ids.append(ids.last ?? 1)
            default: ids.reverse()
            }
            snapshot.chunkIds = ids
        case 2, 3: // an integer field of the index's own header (counts, sizes, entry point, levels)
            let offsets = input.name.hasPrefix("hnsw") ? [8, 12, 16, 20, 24, 32, 40, 48, 52, 56, 57, 60] : [8, 12, 20, 28, 29, 33]
            let at = rng.pick(offsets)
            let width = rng.pick([1, 4, 8]), value = rng.pick(FuzzDictionary.integers + [UInt64(bitPattern: -1), 0x7FC0_0000])
            for k in 0..<width where at + k < snapshot.payload.count {
                snapshot.payload[at + k] = UInt8(truncatingIfNeeded: value >> (8 * UInt64(k)))
            }
        default: // anywhere in the payload (links, vectors, postings)
            ByteMutator.mutate(&snapshot.payload, rng: &rng)
        }
        return FuzzInput(input.name, snapshot.bytes(validChecksum: rng.chance(0.9)))
    }

    func run(_ input: FuzzInput, in scratch: URL) throws -> [String] {
        guard let files = FuzzStoreSeed.files else { return ["the seed store did not build"] }
        let path = scratch.appendingPathComponent("store.sqlite").path
        try Data(files.store).write(to: URL(fileURLWithPath: path))
        let indexes = scratch.appendingPathComponent("store.sqlite.indexes")
        try FileManager.default.createDirectory(at: indexes, withIntermediateDirectories: true)
        try Data(files.bm25).write(to: indexes.appendingPathComponent("bm25.snapshot"))
        try Data(files.hnsw).write(to: indexes.appendingPathComponent("hnsw.snapshot"))
        _ = try fuzzWrite(input, in: indexes)
        let reader = try SQLiteStore(path: path, mode: .readOnly)
        var violations = try FuzzStoreSeed.search(reader, path: path, vectorIndex: .hnsw)
        let writer = try SQLiteStore(path: path)
        _ = try writer.remove(["doc3"])
        try StoreIndexes(storePath: path, hnswParameters: .init(m: 4, efConstruction: 16)).refresh(writer, vectorIndex: .hnsw)
        violations += try FuzzStoreSeed.search(writer, path: path, vectorIndex: .hnsw)
        return violations
    }

    /// `IndexSnapshotFile`'s layout: "RTSNAP02", u64 store, u64 generation, u64 n, i64 ids[n], u64
    /// payload length, payload, u64 FNV-1a-64 of everything before it; little-endian.
    struct Snapshot {
        var store: UInt64
        var generation: UInt64
        var chunkIds: [Int64]
        var payload: [UInt8]

        init?(_ bytes: [UInt8]) {
            func u64(_ at: Int) -> UInt64? {
                guard at >= 0, at + 8 <= bytes.count else { return nil }
                return (0..<8).reduce(0) { $0 | UInt64(bytes[at + $1]) << (8 * UInt64($1)) }
            }
            guard bytes.count >= 48, let store = u64(8), let generation = u64(16), let n = u64(24), n < UInt64(bytes.count / 8) else {
                return nil
            }
            let count = Int(n)
            guard let length = u64(32 + 8 * count), length <= UInt64(bytes.count) else { return nil }
            let start = 40 + 8 * count
            guard start + Int(length) + 8 <= bytes.count else { return nil }
            self.store = store
            self.generation = generation
            chunkIds = (0..<count).map { Int64(bitPattern: u64(32 + 8 * $0)!) }
            payload = Array(bytes[start..<(start + Int(length))])
        }

        /// Whether `bytes` is a complete snapshot file: the layout adds up and the checksum matches.
        static func isIntact(_ bytes: [UInt8]) -> Bool {
            guard bytes.starts(with: Array("RTSNAP02".utf8)), let snapshot = Snapshot(bytes) else { return false }
            return snapshot.bytes(validChecksum: true) == bytes
        }

        func bytes(validChecksum: Bool) -> [UInt8] {
            var out = Array("RTSNAP02".utf8)
            func append(_ v: UInt64) { for k in 0..<8 { out.append(UInt8(truncatingIfNeeded: v >> (8 * UInt64(k)))) } }
            append(store)
            append(generation)
            append(UInt64(chunkIds.count))
            for id in chunkIds { append(UInt64(bitPattern: id)) }
            append(UInt64(payload.count))
            out += payload
            let hash = out.reduce(UInt64(0xcbf2_9ce4_8422_2325)) { ($0 ^ UInt64($1)) &* 0x100_0000_01b3 }
            append(validChecksum ? hash : hash ^ 1)
            return out
        }
    }
}

/// Finds the fields of the records in an SQLite file's table leaf pages (cells that fit their page).
enum SQLiteRecords {
    struct Field {
        var typeOffset: Int, typeLength: Int, serialType: Int64
        var valueOffset: Int, valueLength: Int
    }

    static func pageSize(_ bytes: [UInt8]) -> Int {
        guard bytes.count >= 100 else { return 0 }
        let raw = Int(bytes[16]) << 8 | Int(bytes[17])
        let size = raw == 1 ? 65536 : raw
        return size >= 512 && size & (size - 1) == 0 ? size : 0
    }

    /// An SQLite varint at `at`: (value, length), or nil past `end`.
    static func varint(_ bytes: [UInt8], _ at: Int, end: Int) -> (Int64, Int)? {
        var value: UInt64 = 0
        for k in 0..<9 {
            guard at + k < end else { return nil }
            let b = bytes[at + k]
            if k == 8 { return (Int64(bitPattern: value << 8 | UInt64(b)), 9) }
            value = value << 7 | UInt64(b & 0x7F)
            if b & 0x80 == 0 { return (Int64(bitPattern: value), k + 1) }
        }
        return nil
    }

    static func singleByteVarint(_ value: Int64) -> UInt8? { value >= 0 && value < 128 ? UInt8(value) : nil }

    static func valueLength(_ type: Int64) -> Int {
        switch type {
        case 1: return 1
        case 2: return 2
        case 3: return 3
        case 4: return 4
        case 5: return 6
        case 6, 7: return 8
        case 12...: return Int((type - 12) / 2)
        default: return 0
        }
    }

    /// A table b-tree leaf cell: its rowid (where it is written) and its record's fields.
    struct Cell {
        var page: Int, rowidOffset: Int, rowidLength: Int, rowid: Int64
        var fields: [Field]
    }

    static func fields(in bytes: [UInt8]) -> [Field] { cells(in: bytes).flatMap(\.fields) }

    /// The fields of each record, in column order.
    static func records(in bytes: [UInt8]) -> [[Field]] { cells(in: bytes).map(\.fields) }

    static func cells(in bytes: [UInt8]) -> [Cell] {
        let size = pageSize(bytes)
        guard size > 0 else { return [] }
        var records: [Cell] = []
        for page in 0..<(bytes.count / size) {
            let base = page * size, end = base + size, header = base + (page == 0 ? 100 : 0)
            guard header + 8 <= end, bytes[header] == 0x0D else { continue }
            let cells = Int(bytes[header + 3]) << 8 | Int(bytes[header + 4])
            for c in 0..<cells {
                let slot = header + 8 + 2 * c
                guard slot + 2 <= end else { break }
                var at = base + (Int(bytes[slot]) << 8 | Int(bytes[slot + 1]))
                guard let (payload, a) = varint(bytes, at, end: end) else { continue }
                at += a
                guard let (rowid, b) = varint(bytes, at, end: end) else { continue }
                let rowidOffset = at
                at += b
                let start = at
                guard payload >= 0, payload <= Int64(size - 35), start + Int(payload) <= end,
                      let (headerLength, h) = varint(bytes, start, end: end), headerLength >= 1, headerLength <= payload else { continue }
                var typeAt = start + h, valueAt = start + Int(headerLength), fields: [Field] = []
                while typeAt < start + Int(headerLength) {
                    guard let (type, n) = varint(bytes, typeAt, end: end) else { break }
                    let length = valueLength(type)
                    guard valueAt + length <= start + Int(payload) else { break }
                    fields.append(Field(typeOffset: typeAt, typeLength: n, serialType: type, valueOffset: valueAt, valueLength: length))
                    typeAt += n
                    valueAt += length
                }
                records.append(Cell(page: page, rowidOffset: rowidOffset, rowidLength: b, rowid: rowid, fields: fields))
            }
        }
        return records
    }
}
