import Foundation
import RagTuneEvaluation
import RagTuneRetrieval

/// BM25 indexing and query speed on a BEIR data set (`ragtune bench bm25`), measured the way
/// Benchmarks/bm25_reference.py measures bm25s: best of 3, top 10, 1 and 2 threads.
public enum BM25Benchmark {
    /// The `--json` object of `bench bm25`.
    public struct Report: Encodable, Sendable {
        public var documents: Int
        /// Queries with at least one judgment in the split.
        public var queries: Int
        /// The qrels split.
        public var qrels: String
        public var indexDocsPerSecond: Double
        public var queriesPerSecond1Thread: Double
        public var queriesPerSecond2Threads: Double
        /// nDCG@10 of the search (the same at either thread count).
        public var ndcgAt10: Double?
        public var machine: MachineReport

        enum CodingKeys: String, CodingKey {
            case documents, queries, qrels, machine
            case indexDocsPerSecond = "index_docs_per_s", queriesPerSecond1Thread = "1t_queries_per_s"
            case queriesPerSecond2Threads = "2t_queries_per_s", ndcgAt10 = "ndcg@10"
        }

        /// The text report's line.
        public var line: String {
            String(format: "BM25 on %d docs: index %.0f docs/s; %.0f queries/s (1 thread), %.0f (2 threads); nDCG@10 %.4f",
                   documents, indexDocsPerSecond, queriesPerSecond1Thread, queriesPerSecond2Threads, ndcgAt10 ?? .nan)
        }
    }

    /// Indexes `folder`'s corpus.jsonl (title + " " + text) and searches the judged queries of
    /// `qrels/<split>.tsv`.
    /// - Throws: a BEIR file's read or parse error.
    public static func run(folder: URL, split: String) throws -> Report {
        let corpus = try BEIRCorpus(contentsOf: folder.appendingPathComponent("corpus.jsonl")).documents
        let judgments = try Qrels(contentsOf: folder.appendingPathComponent("qrels/\(split).tsv"))
        let queries = try BEIRQueries(contentsOf: folder.appendingPathComponent("queries.jsonl")).queries
            .filter { !(judgments[$0.id] ?? [:]).isEmpty }
        let documents = corpus.map { (id: $0.id, text: $0.title + " " + $0.text) }
        let (indexSeconds, index) = try bestOf3 { try BM25Index.build(documents: documents) }
        var rates: [Double] = [], ndcg: Double?
        for threads in [1, 2] {
            let (seconds, hits) = bestOf3 { index.searchBatch(queries.map(\.text), k: 10, threads: threads) }
            rates.append(Double(queries.count) / seconds)
            let run = Run(zip(queries, hits).map { q, h in
                (q.id, h.map { RetrievedDocument(id: corpus[$0.index].id, score: Double($0.score)) })
            })
            ndcg = try RetrievalMetrics.evaluate(run: run, qrels: judgments, cutoffs: [10]).averages["NDCG@10"]
        }
        return Report(documents: documents.count, queries: queries.count, qrels: split,
                      indexDocsPerSecond: Double(documents.count) / indexSeconds,
                      queriesPerSecond1Thread: rates[0], queriesPerSecond2Threads: rates[1], ndcgAt10: ndcg,
                      machine: .current())
    }

    /// The fastest of three runs of `body`, and the last run's value.
    private static func bestOf3<T>(_ body: () throws -> T) rethrows -> (seconds: Double, value: T) {
        var (best, value) = try BenchStatistics.timed(body)
        for _ in 1..<3 {
            let run = try BenchStatistics.timed(body)
            (best, value) = (min(best, run.seconds), run.value)
        }
        return (best, value)
    }
}
