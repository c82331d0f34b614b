/// Reusable per-search memory of `HNSWIndex`: hnswlib's visited list and the two heaps of its
/// `searchBaseLayer`, plus the query copied into an aligned, zero-padded row and room for one node's
/// unvisited neighbours and their distances. One per thread; reusing it across queries avoids all
/// per-query allocation. Noncopyable: it owns its memory, freed in `deinit`.
struct HNSWSearchScratch: ~Copyable {
    /// Nodes still to expand, nearest first (hnswlib's `candidate_set`).
    var candidates = TopKHeap(k: 0, top: .best)
    /// The best `ef` nodes found, furthest on top (hnswlib's `top_candidates`).
    var results = TopKHeap(k: 0, top: .worst)
    /// `[markCapacity]` generation at which each node was last visited (hnswlib's `VisitedList`:
    /// a node is visited when its mark equals `generation`, so clearing is one increment).
    private(set) var marks: UnsafeMutablePointer<UInt32>
    private var markCapacity = 0
    private(set) var generation: UInt32 = 0
    /// `[stride]` 64-byte aligned copy of the query, zero padded.
    private(set) var query: UnsafeMutablePointer<Float>
    private var queryCapacity = 0
    /// `[neighbourCapacity]` unvisited neighbours of the node being expanded, and their distances.
    private(set) var fresh: UnsafeMutablePointer<Int32>
    private(set) var freshDistances: UnsafeMutablePointer<Float>
    private var neighbourCapacity = 0

    init() {  // placeholders until `begin` and `setQuery` know the sizes
        marks = .allocate(capacity: 1)
        query = .allocate(capacity: 1)
        fresh = .allocate(capacity: 1)
        freshDistances = .allocate(capacity: 1)
    }

    deinit {
        marks.deallocate()
        query.deallocate()
        fresh.deallocate()
        freshDistances.deallocate()
    }

    /// Starts a search over `count` nodes keeping the best `ef`: every node becomes unvisited, both
    /// heaps empty; room for `neighbours` links per node.
    mutating func begin(count: Int, ef: Int, neighbours: Int) {
        if markCapacity < count {
            let bigger = UnsafeMutablePointer<UInt32>.allocate(capacity: max(count, 2 * markCapacity))
            bigger.initialize(repeating: 0, count: max(count, 2 * markCapacity))
            marks.deallocate()
            marks = bigger
            markCapacity = max(count, 2 * markCapacity)
            generation = 0
        }
        generation &+= 1
        if generation == 0 {
            marks.update(repeating: 0, count: markCapacity)
            generation = 1
        }
        if neighbourCapacity < neighbours {
            fresh.deallocate()
            freshDistances.deallocate()
            fresh = .allocate(capacity: neighbours)
            freshDistances = .allocate(capacity: neighbours)
            neighbourCapacity = neighbours
        }
        candidates.removeAll()
        results.reset(k: ef)
    }

    /// Copies `vector` into the aligned query row, zero padded to `stride`.
    mutating func setQuery(_ vector: UnsafeBufferPointer<Float>, stride: Int) {
        if queryCapacity < stride {
            query.deallocate()
            query = UnsafeMutableRawPointer.allocate(byteCount: 4 * stride, alignment: 64)
                .bindMemory(to: Float.self, capacity: stride)
            queryCapacity = stride
        }
        query.update(from: vector.baseAddress!, count: vector.count)
        (query + vector.count).update(repeating: 0, count: stride - vector.count)
    }
}
