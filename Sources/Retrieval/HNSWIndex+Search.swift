import RagTuneTensor

/// k-nearest-neighbour search, after hnswlib's `searchKnn` and `searchBaseLayerST`.
extension HNSWIndex {
    /// The `k` vectors with the largest inner product with `query` (approximately), best first.
    /// - Parameters:
    ///   - query: `[dimension]`, expected L2-normalized.
    ///   - k: number of hits wanted (0 gives none).
    ///   - efSearch: candidate-list size (≥ 1; raised to `k` when smaller, as hnswlib does).
    ///     Larger is slower and more accurate.
    ///   - include: when given, only positions for which it returns true are returned. As with
    ///     hnswlib's filter it is applied during the search: excluded nodes are traversed, not
    ///     returned, and the search goes on until `ef` allowed nodes are found or the graph is
    ///     exhausted (never a filter applied after truncation).
    /// - Returns: at most `k` hits, score = dot product; tombstoned positions are never returned.
    /// - Throws: `RetrievalError.invalidInput` for a wrong query length or `k`/`efSearch` out of range.
    public func search(_ query: [Float], k: Int, efSearch: Int,
                       include: ((Int) -> Bool)? = nil) throws -> [ScoredDocument] {
        try checkSearch(k: k, efSearch: efSearch)
        try check(query, what: "query")
        var scratch = HNSWSearchScratch()
        return searchChecked(query, k: k, efSearch: efSearch, include: include, scratch: &scratch)
    }

    /// `search` for many queries, spread over `threads` workers (one scratch per worker).
    /// - Parameter queries: `[n][dimension]`.
    /// - Returns: `[n]` lists of at most `k` hits, best first.
    public func search(_ queries: [[Float]], k: Int, efSearch: Int, threads: Int = 1,
                       include: (@Sendable (Int) -> Bool)? = nil) throws -> [[ScoredDocument]] {
        try checkSearch(k: k, efSearch: efSearch)
        for (i, q) in queries.enumerated() { try check(q, what: "query \(i)") }
        var results = [[ScoredDocument]](repeating: [], count: queries.count)
        results.withUnsafeMutableBufferPointer { out in
            let base = out.baseAddress
            Parallel.forRanges(count: queries.count, threads: threads) { range in
                var scratch = HNSWSearchScratch()
                for q in range {
                    base![q] = searchChecked(queries[q], k: k, efSearch: efSearch, include: include, scratch: &scratch)
                }
            }
        }
        return results
    }

    private func checkSearch(k: Int, efSearch: Int) throws {
        guard k >= 0 else { throw RetrievalError.invalidInput("k \(k) must be ≥ 0") }
        guard efSearch >= 1 else { throw RetrievalError.invalidInput("efSearch \(efSearch) must be ≥ 1") }
    }

    /// `search` once the arguments are known to be valid.
    func searchChecked(_ query: [Float], k: Int, efSearch: Int, include: ((Int) -> Bool)?,
                       scratch: inout HNSWSearchScratch) -> [ScoredDocument] {
        guard entryPoint >= 0, k > 0 else { return [] }
        query.withUnsafeBufferPointer { scratch.setQuery($0, stride: rows.stride) }
        let q = UnsafePointer(scratch.query)
        let start = greedyDescent(q, from: entryPoint, topLevel: maxLevel, downTo: 1)
        searchLayer(q, entry: start, level: 0, ef: max(efSearch, k), include: include, scratch: &scratch)
        return scratch.results.drain(limit: k)
    }

    /// Greedy walk on layers `topLevel` down to `bottomLevel`: moves to any neighbour nearer to
    /// `query` (`rows.stride` floats) until none is. Tombstones and filters are ignored here, as in
    /// hnswlib.
    /// - Returns: the node reached (`entry` when `topLevel < bottomLevel`).
    func greedyDescent(_ query: UnsafePointer<Float>, from entry: Int, topLevel: Int, downTo bottomLevel: Int) -> Int {
        var current = entry
        guard topLevel >= bottomLevel else { return current }
        let stride = rows.stride
        var currentDistance = -HNSWKernels.dot(query, rows.row(current), stride: stride)
        for level in Swift.stride(from: topLevel, through: bottomLevel, by: -1) {
            var changed = true
            while changed {
                changed = false
                let from = current  // scan one node's whole list, moving to the best (as hnswlib)
                for j in 0 ..< neighbourCount(from, level) {
                    let candidate = neighbour(from, level, j)
                    let d = -HNSWKernels.dot(query, rows.row(candidate), stride: stride)
                    if d < currentDistance {
                        currentDistance = d
                        current = candidate
                        changed = true
                    }
                }
            }
        }
        return current
    }

    /// Best-first search of one layer (hnswlib's `searchBaseLayer`/`searchBaseLayerST`). Leaves the
    /// best `ef` returnable nodes (not tombstoned, allowed by `include`) in `scratch.results`.
    /// Excluded nodes are still expanded; with exclusions the search stops only once `ef`
    /// returnable nodes are held and the nearest candidate is worse than all of them.
    ///
    /// Each expanded node's unvisited neighbours are gathered first, their distances computed four
    /// at a time (`HNSWKernels.dot4`), then offered to the heaps in link order, so the result is
    /// the one of hnswlib's one-at-a-time loop.
    /// - Parameter query: `rows.stride` floats, zero padded.
    func searchLayer(_ query: UnsafePointer<Float>, entry: Int, level: Int, ef: Int, include: ((Int) -> Bool)?,
                     scratch: inout HNSWSearchScratch) {
        scratch.begin(count: count, ef: ef, neighbours: maxM0)
        let filtering = include != nil || deletedCount > 0
        let stride = rows.stride, stride0 = maxM0 + 1, upperOffset = (level - 1) * (m + 1)
        let marks = scratch.marks, generation = scratch.generation
        let fresh = scratch.fresh, freshDistances = scratch.freshDistances
        let vectors = rows.row(0)
        // Neighbour lists of this layer: `links[base]` is the count, the neighbours follow.
        (level == 0 ? links0 : upperLinks).withUnsafeBufferPointer { links in
            deleted.withUnsafeBufferPointer { deleted in
                let entryDistance = -HNSWKernels.dot(query, vectors + entry * stride, stride: stride)
                marks[entry] = generation
                scratch.candidates.push(distance: entryDistance, id: entry)
                var lowerBound = Float.infinity
                if !deleted[entry] && include?(entry) ?? true {
                    scratch.results.insert(distance: entryDistance, id: entry)
                    lowerBound = entryDistance
                }
                while !scratch.candidates.isEmpty {
                    let candidateDistance = scratch.candidates.topDistance
                    if candidateDistance > lowerBound && (scratch.results.count >= ef || !filtering) { break }
                    let current = scratch.candidates.topID
                    scratch.candidates.pop()
                    let list = links.baseAddress! + (level == 0 ? current * stride0 : upperOffsets[current] + upperOffset)
                    var n = 0
                    for j in 1 ..< 1 + Int(list[0]) {
                        let next = list[j]
                        if marks[Int(next)] != generation {
                            marks[Int(next)] = generation
                            fresh[n] = next
                            n += 1
                        }
                    }
                    var i = 0
                    while i + 4 <= n {
                        let d = HNSWKernels.dot4(query, vectors + Int(fresh[i]) * stride, vectors + Int(fresh[i + 1]) * stride,
                                                 vectors + Int(fresh[i + 2]) * stride, vectors + Int(fresh[i + 3]) * stride,
                                                 stride: stride)
                        freshDistances[i] = -d[0]
                        freshDistances[i + 1] = -d[1]
                        freshDistances[i + 2] = -d[2]
                        freshDistances[i + 3] = -d[3]
                        i += 4
                    }
                    if i < n {  // 1 to 3 left: one more `dot4`, the last one repeated in the spare lanes
                        let b = min(i + 1, n - 1), c = min(i + 2, n - 1)
                        let d = HNSWKernels.dot4(query, vectors + Int(fresh[i]) * stride, vectors + Int(fresh[b]) * stride,
                                                 vectors + Int(fresh[c]) * stride, vectors + Int(fresh[c]) * stride,
                                                 stride: stride)
                        freshDistances[i] = -d[0]
                        freshDistances[b] = -d[1]
                        freshDistances[c] = -d[2]
                    }
                    for i in 0 ..< n {
                        let d = freshDistances[i], next = Int(fresh[i])
                        guard scratch.results.count < ef || d < lowerBound else { continue }
                        scratch.candidates.push(distance: d, id: next)
                        if !filtering || (!deleted[next] && include?(next) ?? true) {
                            scratch.results.insert(distance: d, id: next)
                        }
                        if !scratch.results.isEmpty { lowerBound = scratch.results.topDistance }
                    }
                }
            }
        }
    }
}
