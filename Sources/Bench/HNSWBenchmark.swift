import Foundation
import RagTuneRetrieval

/// HNSW build docs/s, queries/s and recall@10 against exact search (`ragtune bench hnsw`) on
/// cached MiniLM vectors, measured the way Benchmarks/hnsw_scifact_reference.py measures hnswlib:
/// each point runs all queries repeatedly for at least `seconds`, three rounds, median reported.
public enum HNSWBenchmark {
    /// Neighbours kept per query.
    public static let k = 10
    /// Seed of the graph's level draws.
    public static let seed: UInt64 = 42

    /// What to measure.
    public struct Options: Sendable {
        /// HNSW neighbours per node (layer 0 keeps 2·M).
        public var m: Int
        public var efConstruction: Int
        /// efSearch values of the search points.
        public var efSearch: [Int]
        /// Thread counts for building and searching.
        public var threads: [Int]
        /// Minimum seconds of timing per round.
        public var seconds: Double

        /// Each argument sets the property of the same name.
        public init(m: Int, efConstruction: Int, efSearch: [Int], threads: [Int], seconds: Double) {
            self.m = m
            self.efConstruction = efConstruction
            self.efSearch = efSearch
            self.threads = threads
            self.seconds = seconds
        }
    }

    /// One (threads, efSearch) point.
    public struct SearchPoint: Codable, Sendable, Equatable {
        public var threads: Int
        public var efSearch: Int
        /// Mean over queries of |HNSW ∩ exact| / |exact| in the top 10.
        public var recallAt10: Double
        /// Median of the rounds.
        public var queriesPerSecond: Double
        public var queriesPerSecondRounds: [Double]
        /// Median per CPU second of the process (all threads).
        public var queriesPerCPUSecond: Double

        enum CodingKeys: String, CodingKey {
            case threads
            case efSearch = "ef_search", recallAt10 = "recall@10", queriesPerSecond = "queries_per_s"
            case queriesPerSecondRounds = "queries_per_s_rounds", queriesPerCPUSecond = "queries_per_cpu_s"
        }

        /// The text report's line.
        public var line: String {
            String(format: "threads %d efSearch %3d: recall@10 %.4f, %.0f queries/s (%.0f per CPU second)",
                   threads, efSearch, recallAt10, queriesPerSecond, queriesPerCPUSecond)
        }
    }

    /// Build speed per thread count: `"<t>t_docs_per_s"`, `"<t>t_seconds_rounds"`, and
    /// `"batched_recall@10_ef64"` when a multi-thread build ran.
    public struct Build: Encodable, Sendable {
        /// Thread count → median docs/s.
        public var docsPerSecond: [Int: Double] = [:]
        /// Thread count → the three build times, ascending.
        public var secondsRounds: [Int: [Double]] = [:]
        /// Recall@10 at efSearch 64 of the graph built in batches.
        public var batchedRecallAt10: Double?

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: BenchCodingKey.self)
            for (t, rate) in docsPerSecond { try container.encode(rate, forKey: BenchCodingKey("\(t)t_docs_per_s")) }
            for (t, rounds) in secondsRounds { try container.encode(rounds, forKey: BenchCodingKey("\(t)t_seconds_rounds")) }
            try container.encodeIfPresent(batchedRecallAt10, forKey: BenchCodingKey("batched_recall@10_ef64"))
        }
    }

    /// Exact (SGEMM) search speed: `"<t>t_queries_per_s"` per thread count.
    public struct Exact: Encodable, Sendable {
        /// Thread count → median queries/s.
        public var queriesPerSecond: [Int: Double] = [:]

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: BenchCodingKey.self)
            for (t, rate) in queriesPerSecond { try container.encode(rate, forKey: BenchCodingKey("\(t)t_queries_per_s")) }
        }
    }

    /// The `--json` object of `bench hnsw`.
    public struct Report: Encodable, Sendable {
        public var benchmark = "hnsw"
        public var documents: Int
        public var queries: Int
        public var dimension: Int
        public var k = HNSWBenchmark.k
        public var m: Int
        public var efConstruction: Int
        public var seed = Int(HNSWBenchmark.seed)
        /// The folder of the cached vectors.
        public var vectorsCache: String
        public var machine: MachineReport
        public var build: Build
        public var exact: Exact
        public var search: [SearchPoint]

        enum CodingKeys: String, CodingKey {
            case benchmark, documents, queries, dimension, k, m, seed, machine, build, exact, search
            case efConstruction = "ef_construction", vectorsCache = "vectors_cache"
        }

        /// The text report's summary lines (after the search points).
        public func summaryLines(threads: [Int]) -> [String] {
            threads.map {
                String(format: "%d docs × %d-d, M %d, efConstruction %d: build %.0f docs/s (%d thread(s))",
                       documents, dimension, m, efConstruction, build.docsPerSecond[$0] ?? 0, $0)
            } + (build.batchedRecallAt10.map {
                [String(format: "batched (multi-thread) build: recall@10 %.4f at efSearch 64", $0)]
            } ?? []) + threads.map {
                String(format: "exact (SGEMM) threads %d: %.0f queries/s", $0, exact.queriesPerSecond[$0] ?? 0)
            }
        }
    }

    /// Builds the graph three times per thread count (one thread inserts one node at a time, as
    /// hnswlib; more threads insert in batches), then searches every point.
    /// - Throws: `BenchError.invalidInput` without documents or queries; index errors.
    public static func run(_ options: Options, vectors: HNSWVectorCache, log: BenchLog) throws -> Report {
        let docs = vectors.documents, queries = vectors.queries
        let dimension = docs.first?.count ?? 0
        guard dimension > 0, !queries.isEmpty else { throw BenchError.invalidInput("no documents or no queries") }
        let machine = MachineReport.current()
        log.note(machine.line)
        func fresh() throws -> HNSWIndex {
            try HNSWIndex(dimension: dimension, m: options.m, efConstruction: options.efConstruction, seed: seed)
        }
        var sequential: HNSWIndex?, batched: HNSWIndex?
        var build = Build()
        for t in options.threads {
            var rounds: [Double] = []
            for _ in 0..<3 {
                let (seconds, index) = try BenchStatistics.timed {
                    var index = try fresh()
                    if t == 1 { try index.add(contentsOf: docs) } else { try index.add(contentsOf: docs, threads: t) }
                    return index
                }
                rounds.append(seconds)
                if t == 1 { sequential = index } else { batched = index }
            }
            rounds.sort()
            build.docsPerSecond[t] = Double(docs.count) / rounds[1]
            build.secondsRounds[t] = rounds
            log.note(String(format: "build (%d thread(s)): %.0f docs/s", t, Double(docs.count) / rounds[1]))
        }
        let hnsw = try sequential ?? {
            var index = try fresh()
            try index.add(contentsOf: docs)
            return index
        }()

        var exactIndex = ExactVectorIndex(dimension: dimension)
        try exactIndex.add(contentsOf: docs)
        let truth = try exactIndex.search(queries, k: k, threads: 1)
        var exact = Exact()
        var points: [SearchPoint] = []
        for t in options.threads {
            exact.queriesPerSecond[t] = try roundsPerSecond(queries.count, seconds: options.seconds) {
                _ = try exactIndex.search(queries, k: k, threads: t)
            }.wall[1]
            for ef in options.efSearch {
                let hits = try hnsw.search(queries, k: k, efSearch: ef, threads: t)
                let rounds = try roundsPerSecond(queries.count, seconds: options.seconds) {
                    _ = try hnsw.search(queries, k: k, efSearch: ef, threads: t)
                }
                let point = SearchPoint(threads: t, efSearch: ef, recallAt10: ScoredDocument.recall(hits, of: truth), queriesPerSecond: rounds.wall[1],
                                        queriesPerSecondRounds: rounds.wall, queriesPerCPUSecond: rounds.cpu[1])
                points.append(point)
            }
        }
        if let batched {
            // The batched graph is searched like the sequential one; its recall shows it is as good.
            build.batchedRecallAt10 = ScoredDocument.recall(try batched.search(queries, k: k, efSearch: 64, threads: 2), of: truth)
        }
        return Report(documents: docs.count, queries: queries.count, dimension: dimension, m: options.m,
                      efConstruction: options.efConstruction, vectorsCache: vectors.folder.path, machine: machine,
                      build: build, exact: exact, search: points)
    }

    /// Three rounds of queries per wall-clock second and per CPU second of the process (all
    /// threads), each sorted; `body` handles `perCall` queries and repeats for ≥ `seconds`.
    /// On a shared machine the CPU-time rate is the steadier one.
    private static func roundsPerSecond(_ perCall: Int, seconds: Double,
                                        _ body: () throws -> Void) throws -> (wall: [Double], cpu: [Double]) {
        try body()
        var wall: [Double] = [], cpu: [Double] = []
        for _ in 0..<3 {
            let start = DispatchTime.now().uptimeNanoseconds, cpuStart = BenchStatistics.processCPUSeconds()
            var runs = 0, elapsed = 0.0
            repeat {
                try body()
                runs += 1
                elapsed = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            } while elapsed < seconds
            wall.append(Double(runs * perCall) / elapsed)
            cpu.append(Double(runs * perCall) / max(1e-9, BenchStatistics.processCPUSeconds() - cpuStart))
        }
        return (wall.sorted(), cpu.sorted())
    }
}
