/// Reusable per-search memory of `HNSWIndex`: a visited list and the two heaps of hnswlib's
/// `searchBaseLayer`. One per thread; reusing it across queries avoids all per-query allocation.
struct HNSWSearchScratch {
    var visited = HNSWVisitedList()
    /// Nodes still to expand, nearest first (hnswlib's `candidate_set`).
    var candidates = HNSWHeap(furthestFirst: false)
    /// The best `ef` nodes found, furthest on top (hnswlib's `top_candidates`).
    var results = HNSWHeap(furthestFirst: true)
}

/// hnswlib's `VisitedList`: one mark per node, a node is visited when its mark equals the current
/// generation, so clearing is one increment instead of a new `Set`.
struct HNSWVisitedList {
    /// `[≥ count]` generation at which each node was last visited.
    private var marks: [UInt32] = []
    private var generation: UInt32 = 0

    /// Starts a new search over `count` nodes: every node becomes unvisited.
    mutating func reset(count: Int) {
        if marks.count < count { marks += repeatElement(0, count: count - marks.count) }
        generation &+= 1
        if generation == 0 {
            for i in marks.indices { marks[i] = 0 }
            generation = 1
        }
    }

    /// Marks `node` visited; returns false when it already was.
    mutating func insert(_ node: Int) -> Bool {
        if marks[node] == generation { return false }
        marks[node] = generation
        return true
    }
}

/// A binary heap of (distance, node) pairs: nearest on top, or furthest on top when
/// `furthestFirst`. Ties are broken by node position so that every order is deterministic.
struct HNSWHeap {
    let furthestFirst: Bool
    /// Heap-ordered, smallest on top: the distance, negated when `furthestFirst`.
    private var keys: [Float] = []
    /// Node positions parallel to `keys`.
    private var nodes: [Int32] = []

    init(furthestFirst: Bool) {
        self.furthestFirst = furthestFirst
    }

    var count: Int { keys.count }
    var isEmpty: Bool { keys.isEmpty }
    /// Distance of the top pair (heap must not be empty).
    var topDistance: Float { furthestFirst ? -keys[0] : keys[0] }
    /// Node of the top pair (heap must not be empty).
    var topNode: Int { Int(nodes[0]) }

    mutating func removeAll() {
        keys.removeAll(keepingCapacity: true)
        nodes.removeAll(keepingCapacity: true)
    }

    mutating func push(distance: Float, node: Int) {
        keys.append(furthestFirst ? -distance : distance)
        nodes.append(Int32(node))
        var c = keys.count - 1
        while c > 0 {
            let parent = (c - 1) / 2
            guard before(c, parent) else { break }
            swapEntries(c, parent)
            c = parent
        }
    }

    /// Removes the top pair (heap must not be empty).
    mutating func pop() {
        let last = keys.count - 1
        swapEntries(0, last)
        keys.removeLast()
        nodes.removeLast()
        var p = 0
        while true {
            let l = 2 * p + 1, r = l + 1
            var best = p
            if l < keys.count && before(l, best) { best = l }
            if r < keys.count && before(r, best) { best = r }
            if best == p { return }
            swapEntries(p, best)
            p = best
        }
    }

    /// The pairs in heap order (unsorted), as (distance, node).
    var pairs: [(distance: Float, node: Int)] {
        (0 ..< keys.count).map { (furthestFirst ? -keys[$0] : keys[$0], Int(nodes[$0])) }
    }

    /// True when entry `a` belongs above entry `b`.
    private func before(_ a: Int, _ b: Int) -> Bool {
        keys[a] != keys[b] ? keys[a] < keys[b] : (furthestFirst ? nodes[a] > nodes[b] : nodes[a] < nodes[b])
    }

    private mutating func swapEntries(_ a: Int, _ b: Int) {
        keys.swapAt(a, b)
        nodes.swapAt(a, b)
    }
}
