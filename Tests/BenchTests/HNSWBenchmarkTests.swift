import Foundation
import Testing
import RagTuneRetrieval
import RagTuneTensor
@testable import RagTuneBench

/// `ragtune bench hnsw` on 200 random unit vectors (no model), run for real with short rounds.
@Suite struct HNSWBenchmarkTests {
    private func unitVectors(_ count: Int, dimension: Int, seed: UInt64) -> [[Float]] {
        var rng = SplitMix64(seed: seed)
        return (0..<count).map { _ in
            let v = rng.floats(dimension, -1, 1)
            let norm = v.reduce(0) { $0 + $1 * $1 }.squareRoot()
            return v.map { $0 / norm }
        }
    }

    @Test func reportKeysNameEveryThreadCount() throws {
        let vectors = HNSWVectorCache(folder: URL(fileURLWithPath: "/tmp/vectors"), documents: unitVectors(200, dimension: 16, seed: 1),
                                      queries: unitVectors(20, dimension: 16, seed: 2))
        let options = HNSWBenchmark.Options(m: 8, efConstruction: 64, efSearch: [200], threads: [1, 2], seconds: 0.001)
        let report = try HNSWBenchmark.run(options, vectors: vectors, log: .silent)
        // efSearch ≥ the corpus size visits the whole graph: the exact top 10.
        #expect(report.search.map(\.recallAt10) == [1, 1])
        #expect(report.search.map(\.threads) == [1, 2])
        let object = try jsonObject(report)
        #expect(keys(object) == ["benchmark", "build", "dimension", "documents", "ef_construction", "exact", "k", "m", "machine",
                                 "queries", "search", "seed", "vectors_cache"])
        #expect(keys(object["build"]) == ["1t_docs_per_s", "1t_seconds_rounds", "2t_docs_per_s", "2t_seconds_rounds",
                                          "batched_recall@10_ef64"])
        #expect(keys(object["exact"]) == ["1t_queries_per_s", "2t_queries_per_s"])
        #expect(firstKeys(object["search"]) == ["ef_search", "queries_per_cpu_s", "queries_per_s", "queries_per_s_rounds",
                                                "recall@10", "threads"])
        #expect(object["vectors_cache"] as? String == "/tmp/vectors" && object["seed"] as? Int == 42)
    }

    @Test func oneThreadHasNoBatchedBuild() throws {
        let vectors = HNSWVectorCache(folder: URL(fileURLWithPath: "/tmp/vectors"), documents: unitVectors(50, dimension: 8, seed: 3),
                                      queries: unitVectors(5, dimension: 8, seed: 4))
        let options = HNSWBenchmark.Options(m: 4, efConstruction: 16, efSearch: [10], threads: [1], seconds: 0.001)
        let object = try jsonObject(try HNSWBenchmark.run(options, vectors: vectors, log: .silent))
        #expect(keys(object["build"]) == ["1t_docs_per_s", "1t_seconds_rounds"])
    }
}
