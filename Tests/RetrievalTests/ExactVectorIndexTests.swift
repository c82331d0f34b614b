import Testing
import RagTuneTensor
@testable import RagTuneRetrieval

@Suite struct ExactVectorIndexTests {
    @Test func searchRanksByInnerProductAndFiltersBeforeTopK() throws {
        var index = ExactVectorIndex(dimension: 2)
        try index.add(contentsOf: [[1, 0], [0, 1], [0.6, 0.8], [0.8, 0.6]])
        let hits = try index.search([[1, 0]], k: 3)[0]
        #expect(hits.map(\.index) == [0, 3, 2])
        #expect(abs(hits[1].score - 0.8) < 1e-6)
        let filtered = try index.search([[1, 0]], k: 2, include: { $0 % 2 == 1 })[0]
        #expect(filtered.map(\.index) == [3, 1])
        #expect(throws: RetrievalError.self) { try index.add(contentsOf: [[1, 2, 3]]) }
        #expect(throws: RetrievalError.self) { try index.search([[1]], k: 1) }
    }

    @Test func batchedParallelSearchEqualsBruteForce() throws {
        var rng = SplitMix64(seed: 3)
        var index = ExactVectorIndex(dimension: 16)
        let docs = (0..<500).map { _ in rng.floats(16) }
        try index.add(contentsOf: docs)
        let queries = (0..<300).map { _ in rng.floats(16) }
        let results = try index.search(queries, k: 5, threads: 2)
        for (q, query) in queries.enumerated() {
            let scores = docs.map { d in zip(d, query).reduce(Float(0)) { $0 + $1.0 * $1.1 } }
            let expected = scores.indices.sorted { scores[$0] > scores[$1] }.prefix(5)
            #expect(results[q].map(\.index) == Array(expected))
        }
    }

    @Test func topKBreaksTiesByIndex() {
        let scores: [Float] = [1, 3, 3, 2, 3, .nan]
        let top = scores.withUnsafeBufferPointer { ScoredDocument.top(3, of: $0) }
        #expect(top.map(\.index) == [1, 2, 4])
        #expect(scores.withUnsafeBufferPointer { ScoredDocument.top(10, of: $0) }.count == 5)
    }
}

@Suite struct RankFusionTests {
    @Test func reciprocalRankFusionHandComputed() {
        let bm25 = [ScoredDocument(index: 7, score: 12), ScoredDocument(index: 3, score: 9)]
        let dense = [ScoredDocument(index: 3, score: 0.9), ScoredDocument(index: 5, score: 0.8)]
        let fused = RankFusion.reciprocalRank([bm25, dense], k: 60, limit: 10)
        // doc 3: 1/62 + 1/61; doc 7: 1/61; doc 5: 1/62
        #expect(fused.map(\.index) == [3, 7, 5])
        #expect(abs(fused[0].score - (1.0 / 62 + 1.0 / 61)) < 1e-7)
        #expect(RankFusion.reciprocalRank([bm25, dense], limit: 1).map(\.index) == [3])
    }

    @Test func weightedFusionNormalizesEachList() {
        let a = [ScoredDocument(index: 1, score: 10), ScoredDocument(index: 2, score: 5), ScoredDocument(index: 3, score: 0)]
        let b = [ScoredDocument(index: 3, score: 0.9), ScoredDocument(index: 1, score: 0.1)]
        let fused = RankFusion.weighted([(a, 0.5), (b, 0.5)], limit: 3)
        // doc 1: 0.5·1 + 0.5·0 = 0.5; doc 2: 0.25; doc 3: 0 + 0.5 = 0.5 → tie broken by index
        #expect(fused.map(\.index) == [1, 3, 2])
        #expect(fused.map(\.score) == [0.5, 0.5, 0.25])
    }
}
