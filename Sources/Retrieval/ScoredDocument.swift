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

    /// The best `k` of `scores` (entries where `include` is false and NaNs are skipped), best first.
    public static func top(_ k: Int, of scores: UnsafeBufferPointer<Float>,
                           include: ((Int) -> Bool)? = nil) -> [ScoredDocument] {
        var heap = TopKHeap(k: k)
        for (i, score) in scores.enumerated() where !score.isNaN && heap.accepts(document: i, score: score) {
            if let include, !include(i) { continue }
            heap.insert(document: i, score: score)
        }
        return heap.drain()
    }

    /// Recall of approximate search: over all queries, the fraction of `exact`'s documents that
    /// `approximate` also returned (1 when `exact` is empty), as hnswlib's benchmarks count it.
    public static func recall(_ approximate: [[ScoredDocument]], of exact: [[ScoredDocument]]) -> Double {
        var found = 0, total = 0
        for (a, e) in zip(approximate, exact) {
            let truth = Set(e.map(\.index))
            found += a.filter { truth.contains($0.index) }.count
            total += truth.count
        }
        return total == 0 ? 1 : Double(found) / Double(total)
    }
}
