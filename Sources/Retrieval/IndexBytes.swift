/// Little-endian integers and length-prefixed strings, for the persisted index formats (BM25, HNSW).
struct IndexByteWriter {
    var bytes: [UInt8] = []

    mutating func u32(_ v: UInt32) { for s in stride(from: 0, to: 32, by: 8) { bytes.append(UInt8(truncatingIfNeeded: v >> s)) } }
    mutating func u64(_ v: UInt64) { for s in stride(from: 0, to: 64, by: 8) { bytes.append(UInt8(truncatingIfNeeded: v >> s)) } }
    mutating func u32s(_ values: [UInt32]) {
        bytes.reserveCapacity(bytes.count + 4 * values.count)
        for v in values { u32(v) }
    }
    mutating func string(_ s: String) {
        u32(UInt32(s.utf8.count))
        bytes.append(contentsOf: s.utf8)
    }
}

/// Reads what `IndexByteWriter` wrote, throwing `RetrievalError.corruptIndex` (with the byte offset
/// and the format's name) instead of reading past the end or trusting a count.
struct IndexByteReader {
    let bytes: [UInt8]
    /// Names the format in errors, e.g. "BM25" or "HNSW".
    let format: String
    var position = 0

    init(bytes: [UInt8], format: String) {
        self.bytes = bytes
        self.format = format
    }

    func corrupt(_ reason: String) -> RetrievalError { .corruptIndex(offset: position, reason: "\(format): \(reason)") }

    mutating func take(_ n: Int) throws -> ArraySlice<UInt8> {
        guard n >= 0, n <= bytes.count - position else { throw corrupt("needs \(n) bytes, \(bytes.count - position) left") }
        defer { position += n }
        return bytes[position ..< position + n]
    }
    mutating func u8() throws -> UInt8 { try take(1).first ?? 0 }
    mutating func u32() throws -> UInt32 {
        try take(4).reversed().reduce(0) { $0 << 8 | UInt32($1) }
    }
    mutating func u64() throws -> UInt64 {
        try take(8).reversed().reduce(0) { $0 << 8 | UInt64($1) }
    }
    /// A count read from the file, refused when the rest of the file cannot hold that many items.
    func count<T: BinaryInteger>(_ value: T, _ what: String, minimumBytes: Int) throws -> Int {
        guard value >= 0, UInt64(value) <= UInt64((bytes.count - position) / max(1, minimumBytes)) else {
            throw corrupt("\(what) \(value) is larger than the file allows")
        }
        return Int(value)
    }
    mutating func u32s(_ n: Int) throws -> [UInt32] {
        guard n >= 0, n <= (bytes.count - position) / 4 else { throw corrupt("needs \(n) values, \(bytes.count - position) bytes left") }
        let raw = try take(n * 4)
        var out = [UInt32](repeating: 0, count: n)
        var i = raw.startIndex
        for k in 0 ..< n {
            out[k] = UInt32(raw[i]) | UInt32(raw[i + 1]) << 8 | UInt32(raw[i + 2]) << 16 | UInt32(raw[i + 3]) << 24
            i += 4
        }
        return out
    }
    mutating func string() throws -> String {
        let n = try count(try u32(), "string length", minimumBytes: 1)
        guard let s = String(validating: try take(n), as: UTF8.self) else { throw corrupt("invalid UTF-8 string") }
        return s
    }
}
