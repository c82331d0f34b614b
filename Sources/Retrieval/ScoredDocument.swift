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
}
