/// Combining ranked lists from different retrievers (BM25 ∥ dense) into one ranking.
public enum RankFusion {
    /// Reciprocal-rank fusion (Cormack, Clarke & Büttcher 2009): fused(d) = Σ_lists 1 / (k + rank_d),
    /// ranks from 1; a document absent from a list gets nothing from it.
    /// - Returns: the best `limit` documents, best first (ties: lower index first).
    public static func reciprocalRank(_ lists: [[ScoredDocument]], k: Float = 60, limit: Int) -> [ScoredDocument] {
        var fused: [Int: Float] = [:]
        for list in lists {
            for (rank, hit) in list.enumerated() { fused[hit.index, default: 0] += 1 / (k + Float(rank + 1)) }
        }
        return best(fused, limit: limit)
    }

    /// Weighted sum of min-max normalized scores: each list's scores are mapped to [0, 1]
    /// (all equal → 1), multiplied by its weight and summed per document.
    public static func weighted(_ lists: [(hits: [ScoredDocument], weight: Float)], limit: Int) -> [ScoredDocument] {
        var fused: [Int: Float] = [:]
        for (hits, weight) in lists where !hits.isEmpty {
            let lo = hits.map(\.score).min()!, hi = hits.map(\.score).max()!
            for hit in hits {
                let normalized = hi > lo ? (hit.score - lo) / (hi - lo) : 1
                fused[hit.index, default: 0] += weight * normalized
            }
        }
        return best(fused, limit: limit)
    }

    private static func best(_ fused: [Int: Float], limit: Int) -> [ScoredDocument] {
        Array(fused.map { ScoredDocument(index: $0.key, score: $0.value) }
            .sorted(by: ScoredDocument.ranksBefore).prefix(limit))
    }
}

/// How hybrid search combines a BM25 list with a dense list.
public enum FusionMethod: Sendable, Equatable, CustomStringConvertible {
    /// Reciprocal-rank fusion with constant `k` (60 in the original paper).
    case reciprocalRank(k: Float)
    /// Convex combination of min-max normalized scores: `denseWeight` · dense + (1 − `denseWeight`) · BM25.
    case weighted(denseWeight: Float)

    /// The fused ranking, best first, at most `limit` long.
    public func fuse(sparse: [ScoredDocument], dense: [ScoredDocument], limit: Int) -> [ScoredDocument] {
        switch self {
        case .reciprocalRank(let k): return RankFusion.reciprocalRank([sparse, dense], k: k, limit: limit)
        case .weighted(let w): return RankFusion.weighted([(sparse, 1 - w), (dense, w)], limit: limit)
        }
    }

    public var description: String {
        switch self {
        case .reciprocalRank(let k): return "rrf(k=\(k))"
        case .weighted(let w): return "weighted(dense=\(w), bm25=\(1 - w), min-max)"
        }
    }
}
