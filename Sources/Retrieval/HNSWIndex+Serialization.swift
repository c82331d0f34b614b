import RagTuneTensor

/// Binary form of an `HNSWIndex`, little-endian, fixed width:
///
///     "RTHNSWIX"  u32 version (1)
///     u32 dimension  u32 m  u32 efConstruction  u64 seed  u64 rngState
///     u64 count  i32 entryPoint  i32 maxLevel
///     u8 levels[count]  u8 deleted[count]  f32 vectors[count · dimension]
///     i32 links0[count · (2m + 1)]  u64 upperCount  i32 upperLinks[upperCount]
///
/// `upperOffsets` are recomputed from the levels. Every count, level and link is checked on load.
extension HNSWIndex {
    static let magic = Array("RTHNSWIX".utf8)
    static let formatVersion: UInt32 = 1
    /// Highest level `randomLevel` can draw (−ln 2⁻⁵³ / ln 2 < 54), with room to spare.
    static let maximumLevel = 64

    /// The index as bytes (see the format above); `init(serialized:)` reads it back.
    public func serialize() -> [UInt8] {
        var out = IndexByteWriter()
        out.bytes.reserveCapacity(64 + count * (2 + 4 * dimension + 4 * (maxM0 + 1)) + 4 * upperLinks.count)
        out.bytes += Self.magic
        out.u32(Self.formatVersion)
        out.u32(UInt32(dimension))
        out.u32(UInt32(m))
        out.u32(UInt32(efConstruction))
        out.u64(seed)
        out.u64(rng.state)
        out.u64(UInt64(count))
        out.u32(UInt32(bitPattern: Int32(entryPoint)))
        out.u32(UInt32(bitPattern: Int32(maxLevel)))
        for l in levels { out.bytes.append(UInt8(l)) }
        for d in deleted { out.bytes.append(d ? 1 : 0) }
        for i in 0 ..< count {
            for v in UnsafeBufferPointer(start: rows.row(i), count: dimension) { out.u32(v.bitPattern) }
        }
        for l in links0 { out.u32(UInt32(bitPattern: l)) }
        out.u64(UInt64(upperLinks.count))
        for l in upperLinks { out.u32(UInt32(bitPattern: l)) }
        return out.bytes
    }

    /// Reads an index written by `serialize()`.
    /// - Throws: `RetrievalError.corruptIndex` naming the first inconsistency (truncation, bad
    ///   magic or version, parameters out of range, non-finite values, links out of range).
    public init(serialized bytes: [UInt8]) throws {
        var r = IndexByteReader(bytes: bytes, format: "HNSW")
        guard try r.take(Self.magic.count).elementsEqual(Self.magic) else { throw r.corrupt("not an HNSW index (bad magic)") }
        let version = try r.u32()
        guard version == Self.formatVersion else { throw r.corrupt("unsupported HNSW format version \(version)") }
        let dimension = Int(try r.u32()), m = Int(try r.u32()), efConstruction = Int(try r.u32())
        let seed = try r.u64(), rngState = try r.u64()
        do {
            self = try HNSWIndex(dimension: dimension, m: m, efConstruction: efConstruction, seed: seed)
        } catch {
            throw r.corrupt("\(error)")
        }
        rng.state = rngState
        let perNode = 2 + 4 * dimension + 4 * (2 * m + 1)
        let count = try r.count(try r.u64(), "node count", minimumBytes: perNode)
        guard count < Int(Int32.max) else { throw r.corrupt("node count \(count) exceeds Int32") }
        entryPoint = Int(Int32(bitPattern: try r.u32()))
        maxLevel = Int(Int32(bitPattern: try r.u32()))
        levels = try r.take(count).map { Int32($0) }
        deleted = []
        deleted.reserveCapacity(count)
        for flag in try r.take(count) {
            guard flag <= 1 else { throw r.corrupt("deleted flag \(flag)") }
            deleted.append(flag == 1)
        }
        deletedCount = deleted.lazy.filter { $0 }.count
        let vectors = try r.u32s(count * dimension).map { Float(bitPattern: $0) }
        guard vectors.allSatisfy(\.isFinite) else { throw r.corrupt("a vector has a non-finite value") }
        rows = HNSWVectorRows(dimension: dimension, capacity: count)
        vectors.withUnsafeBufferPointer { flat in
            for i in 0 ..< count { rows.append(UnsafeBufferPointer(rebasing: flat[i * dimension ..< (i + 1) * dimension])) }
        }
        links0 = try r.u32s(count * (maxM0 + 1)).map { Int32(bitPattern: $0) }
        let upperCount = try r.count(try r.u64(), "upper link count", minimumBytes: 4)
        upperLinks = try r.u32s(upperCount).map { Int32(bitPattern: $0) }
        guard r.position == bytes.count else { throw r.corrupt("\(bytes.count - r.position) trailing bytes") }
        try validateGraph(reader: r)
    }

    /// Checks levels, the entry point and every neighbour list; rebuilds `upperOffsets`.
    private mutating func validateGraph(reader r: IndexByteReader) throws {
        upperOffsets = []
        upperOffsets.reserveCapacity(count)
        var offset = 0, top = -1
        for (i, level) in levels.enumerated() {
            guard level <= Self.maximumLevel else { throw r.corrupt("node \(i) has level \(level)") }
            upperOffsets.append(level > 0 ? offset : -1)
            offset += Int(level) * (m + 1)
            top = max(top, Int(level))
        }
        guard offset == upperLinks.count else {
            throw r.corrupt("levels need \(offset) upper link values, the file has \(upperLinks.count)")
        }
        if count == 0 {
            guard entryPoint == -1, maxLevel == -1 else { throw r.corrupt("empty index with an entry point") }
            return
        }
        guard entryPoint >= 0, entryPoint < count, maxLevel == top, Int(levels[entryPoint]) == top else {
            throw r.corrupt("entry point \(entryPoint) at level \(maxLevel) is not a top-level node")
        }
        for node in 0 ..< count {
            for level in 0 ... Int(levels[node]) {
                let n = neighbourCount(node, level)
                guard n >= 0, n <= (level == 0 ? maxM0 : m) else {
                    throw r.corrupt("node \(node) has \(n) neighbours on level \(level)")
                }
                for j in 0 ..< n {
                    let other = neighbour(node, level, j)
                    guard other >= 0, other < count, Int(levels[other]) >= level else {
                        throw r.corrupt("node \(node) links to \(other) on level \(level)")
                    }
                }
            }
        }
    }
}
