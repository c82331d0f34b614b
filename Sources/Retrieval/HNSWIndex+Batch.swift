import RagTuneTensor

/// Multi-threaded insertion in batches. hnswlib inserts from many threads at once under per-node
/// locks, so its graph depends on thread timing; here each batch's neighbour searches run in
/// parallel over the graph as it was before the batch, then the batch is linked in order on one
/// thread, each new node also offered the earlier nodes of its batch as candidates. The graph
/// depends only on the vectors and the seed, never on the thread count.
extension HNSWIndex {
    /// Inserts vectors in order, searching for neighbours on `threads` workers; positions are
    /// `count ..< count + vectors.count`. All are checked before any is inserted.
    ///
    /// The graph is the same for every thread count but not the one `add(contentsOf:)` builds one
    /// node at a time (nodes of one batch find each other by brute force instead of through the
    /// graph); recall is the same within noise.
    public mutating func add(contentsOf newVectors: [[Float]], threads: Int) throws {
        for (i, v) in newVectors.enumerated() { try check(v, what: "vector \(i)") }
        try checkCapacity(adding: newVectors.count)
        reserve(newVectors.count)
        var scratch = HNSWSearchScratch()
        var next = 0
        while next < newVectors.count {
            // Batches stay small next to the graph: ≤ 1/4 of it, at most 64 nodes.
            let size = min(newVectors.count - next, max(1, min(64, count / 4)))
            if size == 1 {
                insert(newVectors[next], scratch: &scratch)
            } else {
                insertBatch(newVectors[next ..< next + size], threads: threads)
            }
            next += size
        }
    }

    /// Appends `batch` and links it: parallel searches over the graph before the batch, then
    /// sequential linking (see the type's comment).
    private mutating func insertBatch(_ batch: ArraySlice<[Float]>, threads: Int) {
        let first = count, frozenEntry = entryPoint, frozenTop = maxLevel
        if !isKnownUniquelyReferenced(&rows) { rows = rows.copy() }
        for vector in batch { appendNode(vector) }
        let found = frozenCandidates(nodes: first ..< count, entry: frozenEntry, top: frozenTop, threads: threads)
        for node in first ..< count {
            let level = Int(levels[node])
            for l in stride(from: level, through: 0, by: -1) {
                var candidates = l <= frozenTop ? found[node - first][l] : []
                for other in first ..< node where Int(levels[other]) >= l {
                    candidates.append((distance(node, other), other))
                }
                if candidates.count > efConstruction {
                    candidates.sort { ($0.distance, $0.node) < ($1.distance, $1.node) }
                    candidates.removeLast(candidates.count - efConstruction)
                }
                if !candidates.isEmpty { _ = connect(node, candidates: candidates, level: l) }
            }
            if level > maxLevel {
                entryPoint = node
                maxLevel = level
            }
        }
    }

    /// For each of `nodes` (stored, not yet linked), its `efConstruction` candidates on each of its
    /// levels up to `top`, found in the graph as `insert` would, without changing it.
    /// - Returns: `[nodes.count][level + 1]` candidate lists (empty above `top`).
    private func frozenCandidates(nodes: Range<Int>, entry: Int, top: Int,
                                  threads: Int) -> [[[(distance: Float, node: Int)]]] {
        var out = [[[(distance: Float, node: Int)]]](repeating: [], count: nodes.count)
        out.withUnsafeMutableBufferPointer { out in
            let base = out.baseAddress!
            Parallel.forRanges(count: nodes.count, threads: threads) { range in
                var scratch = HNSWSearchScratch()
                for i in range {
                    let node = nodes.lowerBound + i, level = Int(levels[node])
                    let query = rows.row(node)
                    var lists = [[(distance: Float, node: Int)]](repeating: [], count: level + 1)
                    var current = greedyDescent(query, from: entry, topLevel: top, downTo: level + 1)
                    for l in stride(from: min(level, top), through: 0, by: -1) {
                        searchLayer(query, entry: current, level: l, ef: efConstruction, include: nil, scratch: &scratch)
                        var found = scratch.results.pairs
                        if deleted[current] { found.append((distance(node, current), current)) }
                        lists[l] = found
                        // The next layer starts from the nearest candidate, which the heuristic always keeps.
                        if let nearest = found.min(by: { ($0.distance, $0.node) < ($1.distance, $1.node) }) {
                            current = nearest.node
                        }
                    }
                    base[i] = lists
                }
            }
        }
        return out
    }
}
