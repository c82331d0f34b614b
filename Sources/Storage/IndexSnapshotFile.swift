import Foundation

/// A search index saved beside a store: the serialized index, the chunk id of each of its
/// positions, and the store and store generation it reflects. Derived data: a missing, stale,
/// torn or corrupt file is rebuilt from the store, never trusted.
///
///     "RTSNAP02"  u64 store  u64 generation  u64 positionCount  i64 chunkIds[positionCount]
///     u64 payloadLength  payload  u64 FNV-1a-64 of all preceding bytes
///
/// All integers little-endian. A chunk id of -1 marks a position with no live chunk (an HNSW
/// tombstone). Files of the first layout ("RTSNAP01", without `store`) are read with store 0.
struct IndexSnapshotFile {
    /// `StoreSnapshot.storeHash` of the store it was made from (0: unknown).
    var store: UInt64
    var generation: UInt64
    /// `[positions]` the chunk row id at each index position, -1 for none.
    var chunkIds: [Int64]
    /// The index's own serialization (`BM25Index.serialize()`, `HNSWIndex.serialize()`).
    var payload: [UInt8]

    private static let magic = Array("RTSNAP02".utf8)
    private static let firstMagic = Array("RTSNAP01".utf8)

    /// Writes the file atomically (temporary file, then rename), creating its folder.
    func write(to url: URL) throws {
        var bytes = Self.magic
        bytes.reserveCapacity(64 + chunkIds.count * 8 + payload.count)
        Self.append(store, to: &bytes)
        Self.append(generation, to: &bytes)
        Self.append(UInt64(chunkIds.count), to: &bytes)
        for id in chunkIds { Self.append(UInt64(bitPattern: id), to: &bytes) }
        Self.append(UInt64(payload.count), to: &bytes)
        bytes += payload
        Self.append(Self.checksum(bytes[...]), to: &bytes)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(bytes).write(to: url, options: .atomic)
    }

    /// Reads a file written by `write(to:)`.
    /// - Returns: nil when the file does not exist.
    /// - Throws: a description of what is wrong when it exists but is not a complete snapshot.
    static func read(from url: URL) throws -> IndexSnapshotFile? {
        guard FileManager.default.fileExists(atPath: url.path) else { return nil }
        let bytes = [UInt8](try Data(contentsOf: url))
        let hasStore = bytes.starts(with: magic)
        guard bytes.count >= magic.count + (hasStore ? 40 : 32), hasStore || bytes.starts(with: firstMagic) else {
            throw StorageError.corruptIndexFile(path: url.path, reason: "not a RagTune index snapshot")
        }
        let body = bytes[..<(bytes.count - 8)]
        guard checksum(body) == integer(in: bytes, at: bytes.count - 8) else {
            throw StorageError.corruptIndexFile(path: url.path, reason: "checksum mismatch (torn or damaged write)")
        }
        var offset = magic.count
        func next() throws -> UInt64 {
            guard offset + 8 <= body.count else {
                throw StorageError.corruptIndexFile(path: url.path, reason: "truncated at byte \(offset)")
            }
            defer { offset += 8 }
            return integer(in: bytes, at: offset)
        }
        let store = hasStore ? try next() : 0
        let generation = try next()
        let positions = try next()
        guard positions <= UInt64(body.count / 8) else {
            throw StorageError.corruptIndexFile(path: url.path, reason: "position count \(positions) exceeds the file")
        }
        let chunkIds = try (0..<Int(positions)).map { _ in Int64(bitPattern: try next()) }
        let payloadLength = try next()
        guard payloadLength == UInt64(body.count - offset) else {
            throw StorageError.corruptIndexFile(path: url.path, reason: "payload length \(payloadLength) does not match the file")
        }
        return IndexSnapshotFile(store: store, generation: generation, chunkIds: chunkIds, payload: Array(body[offset...]))
    }

    private static func append(_ value: UInt64, to bytes: inout [UInt8]) {
        for shift in stride(from: 0, to: 64, by: 8) { bytes.append(UInt8(truncatingIfNeeded: value >> UInt64(shift))) }
    }

    private static func integer(in bytes: [UInt8], at offset: Int) -> UInt64 {
        (0..<8).reduce(0) { $0 | UInt64(bytes[offset + $1]) << UInt64(8 * $1) }
    }

    /// FNV-1a 64.
    private static func checksum(_ bytes: ArraySlice<UInt8>) -> UInt64 {
        bytes.reduce(0xcbf2_9ce4_8422_2325) { ($0 ^ UInt64($1)) &* 0x0000_0100_0000_01b3 }
    }
}
