/// A binary heap of (distance, id) pairs, the one heap of the retrieval engine: the best-`k` list of
/// BM25, exact and HNSW search, and HNSW's nearest-first candidate queue.
///
/// Order: a smaller distance ranks better, ties to the smaller id; scores go in as `distance = −score`,
/// so "higher score first, then lower index" (`ScoredDocument.ranksBefore`) is the same order. Each
/// pair is packed into one `UInt64` (order-preserving bits of the distance, then the id) so that a
/// comparison is one integer compare; the heap keeps `key ^ flip` smallest on top, `flip` = all ones
/// putting the worst pair on top. Noncopyable: it owns its memory, freed in `deinit`.
struct TopKHeap: ~Copyable {
    /// Which pair sits on top.
    enum Top { case worst, best }

    /// Pairs kept by `insert` (`push` ignores it).
    private(set) var k: Int
    /// 0 (best on top) or all ones (worst on top): stored = key ^ flip, smallest stored on top.
    private let flip: UInt64
    /// `[capacity]`, the first `count` heap-ordered.
    private var storage: UnsafeMutablePointer<UInt64>
    private var capacity: Int
    private(set) var count = 0

    /// - Parameters:
    ///   - k: the most pairs `insert` keeps (≥ 0); the first allocation holds `k` pairs (at most 4,096).
    ///   - top: `.worst` for a best-`k` list (its root is the pair to evict), `.best` for a queue
    ///     served nearest first.
    init(k: Int, top: Top = .worst) {
        self.k = max(0, k)
        flip = top == .worst ? ~0 : 0
        capacity = max(16, min(self.k, 4096))
        storage = .allocate(capacity: capacity)
    }

    deinit { storage.deallocate() }

    var isEmpty: Bool { count == 0 }
    /// Whether `insert` has `k` pairs.
    var isFull: Bool { count >= k }
    /// Distance of the top pair (heap must not be empty).
    var topDistance: Float { Self.distance(storage[0] ^ flip) }
    /// Id of the top pair (heap must not be empty).
    var topID: Int { Int(UInt32(truncatingIfNeeded: storage[0] ^ flip)) }

    /// Empties the heap, keeping its memory.
    mutating func removeAll() { count = 0 }

    /// Empties the heap and sets how many pairs `insert` keeps from now on.
    mutating func reset(k: Int) {
        count = 0
        self.k = max(0, k)
    }

    /// Adds a pair whatever the count (for the candidate queue).
    @inline(__always)
    mutating func push(distance: Float, id: Int) {
        if count == capacity { grow() }
        siftUp(Self.key(distance, id) ^ flip, from: count)
        count += 1
    }

    /// Keeps (`distance`, `id`) if it ranks among the best `k` (a `.worst`-on-top heap).
    @inline(__always)
    mutating func insert(distance: Float, id: Int) {
        let stored = Self.key(distance, id) ^ flip
        if count < k {
            if count == capacity { grow() }
            siftUp(stored, from: count)
            count += 1
        } else if k > 0 && stored > storage[0] {  // better than the worst kept
            siftDown(stored)
        }
    }

    /// Removes the top pair (heap must not be empty).
    @inline(__always)
    mutating func pop() {
        count -= 1
        if count > 0 { siftDown(storage[count]) }
    }

    /// The pairs as hits (score = −distance), best first; empties the heap.
    /// - Parameter limit: keep at most this many.
    mutating func drain(limit: Int = .max) -> [ScoredDocument] {
        var buffer = UnsafeMutableBufferPointer(start: storage, count: count)
        for i in buffer.indices { buffer[i] ^= flip }
        buffer.sort()
        let hits = buffer.prefix(limit).map {
            ScoredDocument(index: Int(UInt32(truncatingIfNeeded: $0)), score: 0 - Self.distance($0))
        }
        count = 0
        return hits
    }

    /// The pairs in heap order, as (distance, id).
    var pairs: [(distance: Float, node: Int)] {
        (0 ..< count).map { (Self.distance(storage[$0] ^ flip), Int(UInt32(truncatingIfNeeded: storage[$0] ^ flip))) }
    }

    // MARK: Scores (BM25, exact search): higher is better.

    /// Score of the worst pair kept (meaningful only when `isFull`).
    var worstScore: Float { 0 - topDistance }

    /// Whether (`document`, `score`) would be kept by `insert(document:score:)`.
    func accepts(document: Int, score: Float) -> Bool {
        k > 0 && (count < k || Self.key(0 - score, document) ^ flip > storage[0])
    }

    /// Keeps (`document`, `score`) if it ranks among the best `k`.
    mutating func insert(document: Int, score: Float) { insert(distance: 0 - score, id: document) }

    // MARK: Packing

    /// Order-preserving bits of the distance (−0 as +0), then the id's low 32 bits.
    @inline(__always)
    static func key(_ distance: Float, _ id: Int) -> UInt64 {
        let bits = (distance + 0).bitPattern
        let ordered = bits ^ (UInt32(bitPattern: Int32(bitPattern: bits) >> 31) | 0x8000_0000)
        return UInt64(ordered) << 32 | UInt64(UInt32(truncatingIfNeeded: id))
    }

    /// The distance of a packed key.
    @inline(__always)
    static func distance(_ key: UInt64) -> Float {
        let ordered = UInt32(truncatingIfNeeded: key >> 32)
        return Float(bitPattern: ordered ^ (~UInt32(bitPattern: Int32(bitPattern: ordered) >> 31) | 0x8000_0000))
    }

    // MARK: Heap

    /// Moves the hole at `start` up until `stored` fits, then writes it there.
    @inline(__always)
    private func siftUp(_ stored: UInt64, from start: Int) {
        var c = start
        while c > 0 {
            let parent = (c - 1) >> 1
            let p = storage[parent]
            guard stored < p else { break }
            storage[c] = p
            c = parent
        }
        storage[c] = stored
    }

    /// Replaces the root with `stored` and moves it down to its place among the first `count`.
    @inline(__always)
    private func siftDown(_ stored: UInt64) {
        var p = 0
        while true {
            let l = 2 * p + 1
            guard l < count else { break }
            var child = l, value = storage[l]
            if l + 1 < count, storage[l + 1] < value {
                child = l + 1
                value = storage[l + 1]
            }
            guard value < stored else { break }
            storage[p] = value
            p = child
        }
        storage[p] = stored
    }

    private mutating func grow() {
        let bigger = UnsafeMutablePointer<UInt64>.allocate(capacity: 2 * capacity)
        bigger.update(from: storage, count: count)
        storage.deallocate()
        storage = bigger
        capacity *= 2
    }
}
