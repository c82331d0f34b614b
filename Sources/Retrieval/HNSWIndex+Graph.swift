import Foundation
import RagTuneTensor

/// Graph construction, after hnswlib's `addPoint`, `mutuallyConnectNewElement` and
/// `getNeighborsByHeuristic2`.
extension HNSWIndex {
    /// Number of neighbours of `node` on `level` (`level ≤ levels[node]`).
    @inline(__always)
    func neighbourCount(_ node: Int, _ level: Int) -> Int {
        level == 0 ? Int(links0[node * (maxM0 + 1)]) : Int(upperLinks[upperOffsets[node] + (level - 1) * (m + 1)])
    }

    /// The `j`-th neighbour of `node` on `level`.
    @inline(__always)
    func neighbour(_ node: Int, _ level: Int, _ j: Int) -> Int {
        level == 0 ? Int(links0[node * (maxM0 + 1) + 1 + j])
            : Int(upperLinks[upperOffsets[node] + (level - 1) * (m + 1) + 1 + j])
    }

    /// Replaces the neighbours of `node` on `level` (at most `m`, or `2·m` on layer 0).
    mutating func setNeighbours(_ node: Int, _ level: Int, _ list: [Int]) {
        let base = level == 0 ? node * (maxM0 + 1) : upperOffsets[node] + (level - 1) * (m + 1)
        if level == 0 {
            links0[base] = Int32(list.count)
            for (j, n) in list.enumerated() { links0[base + 1 + j] = Int32(n) }
        } else {
            upperLinks[base] = Int32(list.count)
            for (j, n) in list.enumerated() { upperLinks[base + 1 + j] = Int32(n) }
        }
    }

    /// `−(a · b)` for two stored nodes.
    @inline(__always)
    func distance(_ a: Int, _ b: Int) -> Float {
        -HNSWKernels.dot(rows.row(a), rows.row(b), stride: rows.stride)
    }

    /// hnswlib's `getRandomLevel`: ⌊−ln(u) · mult⌋ with u uniform in (0, 1].
    mutating func randomLevel() -> Int {
        let u = (Double(rng.next() >> 11) + 1) / 9_007_199_254_740_992
        return Int(-Foundation.log(u) * levelMultiplier)
    }

    /// Stores `vector` as a new, unlinked node with a random level and empty link lists.
    /// `rows` must already be uniquely referenced. - Returns: the node's level.
    @discardableResult
    mutating func appendNode(_ vector: [Float]) -> Int {
        let level = randomLevel()
        vector.withUnsafeBufferPointer { rows.append($0) }
        levels.append(Int32(level))
        deleted.append(false)
        links0 += repeatElement(0, count: maxM0 + 1)
        upperOffsets.append(level > 0 ? upperLinks.count : -1)
        upperLinks += repeatElement(0, count: level * (m + 1))
        return level
    }

    /// Appends `vector` (already checked) and links it into the graph; returns its position.
    @discardableResult
    mutating func insert(_ vector: [Float], scratch: inout HNSWSearchScratch) -> Int {
        let node = count
        if !isKnownUniquelyReferenced(&rows) { rows = rows.copy() }
        let level = appendNode(vector)
        guard entryPoint >= 0 else {
            entryPoint = node
            maxLevel = level
            return node
        }
        let query = rows.row(node)  // stays valid: nothing is appended until the next insert
        var current = greedyDescent(query, from: entryPoint, topLevel: maxLevel, downTo: level + 1)
        for l in stride(from: min(level, maxLevel), through: 0, by: -1) {
            searchLayer(query, entry: current, level: l, ef: efConstruction, include: nil, scratch: &scratch)
            var found = scratch.results.pairs
            if deleted[current] {  // hnswlib keeps a deleted entry point as a candidate
                found.append((distance(node, current), current))
                if found.count > efConstruction {
                    found.sort { ($0.distance, $0.node) < ($1.distance, $1.node) }
                    found.removeLast()
                }
            }
            if !found.isEmpty { current = connect(node, candidates: found, level: l) }
        }
        if level > maxLevel {
            entryPoint = node
            maxLevel = level
        }
        return node
    }

    /// hnswlib's `mutuallyConnectNewElement`: links `node` to the heuristic's pick among
    /// `candidates` and adds the reverse links, pruning full neighbour lists with the heuristic.
    /// - Returns: the nearest selected neighbour, the entry for the next layer down.
    mutating func connect(_ node: Int, candidates: [(distance: Float, node: Int)], level: Int) -> Int {
        let capacity = level == 0 ? maxM0 : m
        let selected = selectNeighbours(candidates, limit: m)
        setNeighbours(node, level, selected.map(\.node))
        for (_, other) in selected {
            let n = neighbourCount(other, level)
            var list = (0 ..< n).map { neighbour(other, level, $0) }
            if n < capacity {
                list.append(node)
            } else {
                var pool = [(distance: Float, node: Int)]([(distance(other, node), node)])
                for existing in list { pool.append((distance(other, existing), existing)) }
                list = selectNeighbours(pool, limit: capacity).map(\.node)
            }
            setNeighbours(other, level, list)
        }
        return selected.min { ($0.distance, $0.node) < ($1.distance, $1.node) }?.node ?? node
    }

    /// hnswlib's `getNeighborsByHeuristic2`: walking candidates nearest first, keeps one unless a
    /// kept node is closer to it than the query is; stops at `limit`. Fewer than `limit`
    /// candidates are all kept.
    func selectNeighbours(_ candidates: [(distance: Float, node: Int)], limit: Int)
        -> [(distance: Float, node: Int)] {
        if candidates.count < limit { return candidates }
        let sorted = candidates.sorted { ($0.distance, $0.node) < ($1.distance, $1.node) }
        var kept: [(distance: Float, node: Int)] = []
        kept.reserveCapacity(limit)
        for candidate in sorted {
            if kept.count >= limit { break }
            if kept.allSatisfy({ distance($0.node, candidate.node) >= candidate.distance }) { kept.append(candidate) }
        }
        return kept
    }
}
