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
        return query.withUnsafeBufferPointer { q in
            let start = greedyDescent(q.baseAddress!, from: entryPoint, topLevel: maxLevel, downTo: 1)
            searchLayer(q.baseAddress!, entry: start, level: 0, ef: max(efSearch, k), include: include,
                        scratch: &scratch)
            while scratch.results.count > k { scratch.results.pop() }
            var hits = scratch.results.pairs.map { ScoredDocument(index: $0.node, score: -$0.distance) }
            hits.sort(by: ScoredDocument.ranksBefore)
            return hits
        }
    }

    /// Greedy walk on layers `topLevel` down to `bottomLevel`: moves to any neighbour nearer to
    /// `query` until none is. Tombstones and filters are ignored here, as in hnswlib.
    /// - Returns: the node reached (`entry` when `topLevel < bottomLevel`).
    func greedyDescent(_ query: UnsafePointer<Float>, from entry: Int, topLevel: Int, downTo bottomLevel: Int) -> Int {
        var current = entry
        guard topLevel >= bottomLevel else { return current }
        var currentDistance = distance(query, current)
        for level in stride(from: topLevel, through: bottomLevel, by: -1) {
            var changed = true
            while changed {
                changed = false
                let from = current  // scan one node's whole list, moving to the best (as hnswlib)
                for j in 0 ..< neighbourCount(from, level) {
                    let candidate = neighbour(from, level, j)
                    let d = distance(query, candidate)
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
    func searchLayer(_ query: UnsafePointer<Float>, entry: Int, level: Int, ef: Int, include: ((Int) -> Bool)?,
                     scratch: inout HNSWSearchScratch) {
        scratch.visited.reset(count: count)
        scratch.candidates.removeAll()
        scratch.results.removeAll()
        let filtering = include != nil || deletedCount > 0
        // Neighbour lists of this layer: `links[linkBase(node)]` is the count, the neighbours follow.
        let links = level == 0 ? links0 : upperLinks
        let stride0 = maxM0 + 1, upperOffset = (level - 1) * (m + 1)
        links.withUnsafeBufferPointer { links in
            vectors.withUnsafeBufferPointer { vectors in
                deleted.withUnsafeBufferPointer { deleted in
                    let v = vectors.baseAddress!, dimension = self.dimension
                    let entryDistance = -Kernels.dot(query, v + entry * dimension, count: dimension)
                    _ = scratch.visited.insert(entry)
                    scratch.candidates.push(distance: entryDistance, node: entry)
                    var lowerBound = Float.infinity
                    if !deleted[entry] && include?(entry) ?? true {
                        scratch.results.push(distance: entryDistance, node: entry)
                        lowerBound = entryDistance
                    }
                    while !scratch.candidates.isEmpty {
                        let candidateDistance = scratch.candidates.topDistance
                        if candidateDistance > lowerBound && (scratch.results.count >= ef || !filtering) { break }
                        let current = scratch.candidates.topNode
                        scratch.candidates.pop()
                        let base = level == 0 ? current * stride0 : upperOffsets[current] + upperOffset
                        for j in 0 ..< Int(links[base]) {
                            let next = Int(links[base + 1 + j])
                            guard scratch.visited.insert(next) else { continue }
                            let d = -Kernels.dot(query, v + next * dimension, count: dimension)
                            guard scratch.results.count < ef || d < lowerBound else { continue }
                            scratch.candidates.push(distance: d, node: next)
                            if !deleted[next] && include?(next) ?? true {
                                scratch.results.push(distance: d, node: next)
                                if scratch.results.count > ef { scratch.results.pop() }
                            }
                            if !scratch.results.isEmpty { lowerBound = scratch.results.topDistance }
                        }
                    }
                }
            }
        }
    }
}
