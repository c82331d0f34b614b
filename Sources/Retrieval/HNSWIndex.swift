import Foundation
import RagTuneTensor

/// Approximate inner-product search over L2-normalized vectors with a Hierarchical Navigable
/// Small World graph (Malkov & Yashunin 2018), following hnswlib's `HierarchicalNSW`: levels drawn
/// with `mult = 1/ln(M)`, at most `M` neighbours on upper layers and `2·M` on layer 0, neighbours
/// chosen with hnswlib's `getNeighborsByHeuristic2`, tombstone deletion, filters applied during
/// the search. The distance is `−dot` (hnswlib's inner-product space uses `1 − dot`; the order is
/// the same), so a hit's score is exactly the dot product.
///
/// A value type: `add` and `markDeleted` mutate, searches read and can run from many threads.
/// Memory, as hnswlib: per node one fixed layer-0 slot of `2·M` links plus its count, upper layers
/// in one flat array, vectors in 64-byte aligned rows (`HNSWVectorRows`).
public struct HNSWIndex: Sendable {
    /// Length of every vector.
    public let dimension: Int
    /// Neighbours kept per node on layers ≥ 1 (hnswlib's `M`); layer 0 keeps `2·m`.
    public let m: Int
    /// Candidate-list size while inserting (hnswlib's `ef_construction`).
    public let efConstruction: Int
    /// Seed of the level generator; `compacted()` rebuilds with it.
    public let seed: UInt64

    /// `[count, stride]` vectors, copy-on-write (see `HNSWVectorRows`).
    var rows: HNSWVectorRows
    /// `[count]` top layer of each node.
    var levels: [Int32] = []
    /// `[count]` tombstones.
    var deleted: [Bool] = []
    /// Number of `true` entries in `deleted`.
    var deletedCount = 0
    /// `[count, 2·m + 1]`: per node, the layer-0 neighbour count then the neighbour positions.
    var links0: [Int32] = []
    /// Layers ≥ 1 of all nodes, concatenated: node `i` with level `L` owns `L` blocks of
    /// `m + 1` values (count, then neighbours) starting at `upperOffsets[i]`, layer 1 first.
    var upperLinks: [Int32] = []
    /// `[count]` start of each node's blocks in `upperLinks` (-1 for nodes on layer 0 only).
    var upperOffsets: [Int] = []
    /// Position of the entry node (on the top layer), -1 while empty.
    var entryPoint = -1
    /// Top layer of the graph (-1 while empty).
    var maxLevel = -1
    /// Level generator; its state is serialized so that adding after loading stays deterministic.
    var rng: SplitMix64

    /// The widest vectors accepted (embedding models stay far below; a damaged file's dimension
    /// must not size an allocation).
    public static let maximumDimension = 65_536

    /// An empty index.
    /// - Parameters:
    ///   - dimension: vector length (≥ 1).
    ///   - m: neighbours per node on upper layers, `2·m` on layer 0 (2...1024; hnswlib's default 16).
    ///   - efConstruction: candidate-list size while inserting (≥ 1; hnswlib's default 200).
    ///   - seed: seed of the level generator; the same seed and insertion order give the same graph.
    /// - Throws: `RetrievalError.invalidInput` for a parameter out of range.
    public init(dimension: Int, m: Int = 16, efConstruction: Int = 200, seed: UInt64) throws {
        guard (1...Self.maximumDimension).contains(dimension) else {
            throw RetrievalError.invalidInput("HNSW dimension \(dimension) must be in 1...\(Self.maximumDimension)")
        }
        guard (2...1024).contains(m) else { throw RetrievalError.invalidInput("HNSW m \(m) must be in 2...1024") }
        guard efConstruction >= 1 else {
            throw RetrievalError.invalidInput("HNSW efConstruction \(efConstruction) must be ≥ 1")
        }
        self.dimension = dimension
        self.m = m
        self.efConstruction = efConstruction
        self.seed = seed
        self.rng = SplitMix64(seed: seed)
        rows = HNSWVectorRows(dimension: dimension)
    }

    /// `[count, dimension]`, row-major: a copy of the stored vectors.
    public var vectors: [Float] {
        var flat: [Float] = []
        flat.reserveCapacity(count * dimension)
        for i in 0 ..< count { flat += UnsafeBufferPointer(start: rows.row(i), count: dimension) }
        return flat
    }

    /// Number of vectors, tombstoned ones included (positions are `0 ..< count`).
    public var count: Int { levels.count }
    /// Number of vectors not marked deleted.
    public var liveCount: Int { count - deletedCount }
    /// Neighbours kept per node on layer 0.
    var maxM0: Int { 2 * m }
    /// hnswlib's `mult_`: level = ⌊−ln(u) · mult⌋.
    var levelMultiplier: Double { 1 / Foundation.log(Double(m)) }

    /// Whether `position` is tombstoned.
    public func isDeleted(_ position: Int) -> Bool {
        position >= 0 && position < count && deleted[position]
    }

    /// Inserts one vector (hnswlib's `addPoint`).
    /// - Parameter vector: `[dimension]`, expected L2-normalized.
    /// - Returns: its position, `count` before the call.
    /// - Throws: `RetrievalError.invalidInput` for a wrong length or non-finite values.
    @discardableResult
    public mutating func add(_ vector: [Float]) throws -> Int {
        try check(vector, what: "vector")
        try checkCapacity(adding: 1)
        var scratch = HNSWSearchScratch()
        return insert(vector, scratch: &scratch)
    }

    /// Inserts vectors in order; their positions are `count ..< count + vectors.count`.
    /// All are checked before any is inserted. The graph is the one `add` would build one by one.
    public mutating func add(contentsOf newVectors: [[Float]]) throws {
        for (i, v) in newVectors.enumerated() { try check(v, what: "vector \(i)") }
        try checkCapacity(adding: newVectors.count)
        reserve(newVectors.count)
        var scratch = HNSWSearchScratch()
        for v in newVectors { insert(v, scratch: &scratch) }
    }

    /// Tombstones `position`: it is still traversed by searches but never returned
    /// (hnswlib's `markDelete`). Marking twice is allowed.
    /// - Throws: `RetrievalError.invalidInput` when `position` is not in `0 ..< count`.
    public mutating func markDeleted(_ position: Int) throws {
        guard position >= 0 && position < count else {
            throw RetrievalError.invalidInput("position \(position) is not in the HNSW index (count \(count))")
        }
        if !deleted[position] {
            deleted[position] = true
            deletedCount += 1
        }
    }

    /// A new index holding only the vectors not marked deleted, inserted in position order with
    /// the same parameters and seed.
    /// - Returns: the index, and `positionMap[newPosition] = oldPosition`.
    public func compacted() -> (index: HNSWIndex, positionMap: [Int]) {
        // Parameters were validated when `self` was made, so this init cannot fail.
        guard var fresh = try? HNSWIndex(dimension: dimension, m: m, efConstruction: efConstruction, seed: seed) else {
            return (self, Array(0 ..< count))
        }
        let kept = (0 ..< count).filter { !deleted[$0] }
        fresh.reserve(kept.count)
        var scratch = HNSWSearchScratch()
        for old in kept { fresh.insert(rows.vector(old), scratch: &scratch) }
        return (fresh, kept)
    }

    /// Makes room for `additional` more nodes.
    mutating func reserve(_ additional: Int) {
        if !isKnownUniquelyReferenced(&rows) { rows = rows.copy(capacity: count + additional) }
        rows.reserve(additional)
        levels.reserveCapacity(count + additional)
        deleted.reserveCapacity(count + additional)
        links0.reserveCapacity((count + additional) * (maxM0 + 1))
    }

    /// Throws when positions would no longer fit the graph's 32-bit links.
    func checkCapacity(adding n: Int) throws {
        guard n <= Int(Int32.max) - 1 - count else {
            throw RetrievalError.invalidInput("the HNSW index holds at most \(Int32.max - 1) vectors")
        }
    }

    /// Throws unless `v` has `dimension` finite values.
    func check(_ v: [Float], what: String) throws {
        guard v.count == dimension else {
            throw RetrievalError.invalidInput("\(what) has \(v.count) values; the HNSW index holds \(dimension)-d vectors")
        }
        guard v.allSatisfy(\.isFinite) else { throw RetrievalError.invalidInput("\(what) has a non-finite value") }
    }
}
