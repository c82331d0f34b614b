/// A search hit: a document's position in its index and its score (higher is better).
public struct ScoredDocument: Sendable, Equatable {
    public var index: Int
    public var score: Float

    public init(index: Int, score: Float) {
        self.index = index
        self.score = score
    }

    /// Ranking order: higher score first, then lower index (deterministic ties).
    public static func ranksBefore(_ a: ScoredDocument, _ b: ScoredDocument) -> Bool {
        a.score != b.score ? a.score > b.score : a.index < b.index
    }

    /// The best `k` of `count` scores (entries where `include` is false are skipped), best first,
    /// with a bounded min-heap: O(count · log k).
    public static func top(_ k: Int, of scores: UnsafeBufferPointer<Float>,
                           include: ((Int) -> Bool)? = nil) -> [ScoredDocument] {
        guard k > 0 else { return [] }
        var heap: [ScoredDocument] = [] // min-heap by ranking: heap[0] is the worst kept
        heap.reserveCapacity(k)
        func worse(_ a: ScoredDocument, _ b: ScoredDocument) -> Bool { ranksBefore(b, a) }
        for (i, score) in scores.enumerated() where !score.isNaN {
            if let include, !include(i) { continue }
            let candidate = ScoredDocument(index: i, score: score)
            if heap.count < k {
                heap.append(candidate)
                var c = heap.count - 1
                while c > 0, worse(heap[c], heap[(c - 1) / 2]) { heap.swapAt(c, (c - 1) / 2); c = (c - 1) / 2 }
            } else if worse(heap[0], candidate) {
                heap[0] = candidate
                var p = 0
                while true {
                    let l = 2 * p + 1, r = l + 1
                    var m = p
                    if l < heap.count, worse(heap[l], heap[m]) { m = l }
                    if r < heap.count, worse(heap[r], heap[m]) { m = r }
                    if m == p { break }
                    heap.swapAt(p, m)
                    p = m
                }
            }
        }
        return heap.sorted(by: ranksBefore)
    }
}
