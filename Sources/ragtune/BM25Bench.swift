import ArgumentParser
import Foundation
import RagTuneEvaluation
import RagTuneRetrieval

/// `ragtune bench bm25`: BM25 indexing and query speed on a BEIR data set (SciFact by default),
/// measured the way Benchmarks/bm25_reference.py measures bm25s: best of 3, top 10, 1 and 2 threads.
struct BM25Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bm25",
        abstract: "BM25 indexing docs/s and queries/s (1 and 2 threads) with nDCG@10 on a BEIR folder.")

    @Option(help: "BEIR folder with corpus.jsonl, queries.jsonl and qrels/<split>.tsv.")
    var data: String = "../shared/data/scifact"

    @Option(help: "Qrels split.")
    var qrels: String = "train"

    @Flag(help: "Print one JSON object on stdout.")
    var json = false

    func run() throws {
        let root = URL(fileURLWithPath: data)
        let corpus = try BEIRCorpus(contentsOf: root.appendingPathComponent("corpus.jsonl")).documents
        let judgments = try Qrels(contentsOf: root.appendingPathComponent("qrels/\(qrels).tsv"))
        let queries = try BEIRQueries(contentsOf: root.appendingPathComponent("queries.jsonl")).queries
            .filter { !(judgments[$0.id] ?? [:]).isEmpty }
        let documents = corpus.map { (id: $0.id, text: $0.title + " " + $0.text) }
        var index: BM25Index?
        let indexSeconds = try bestOf3 { index = try BM25Index.build(documents: documents) }
        var report: [String: Any] = ["documents": documents.count, "queries": queries.count, "qrels": qrels,
                                     "index_docs_per_s": Double(documents.count) / indexSeconds,
                                     "machine": machineReport()]
        for threads in [1, 2] {
            var hits: [[ScoredDocument]] = []
            let seconds = try bestOf3 { hits = index!.searchBatch(queries.map(\.text), k: 10, threads: threads) }
            report["\(threads)t_queries_per_s"] = Double(queries.count) / seconds
            let run = Run(zip(queries, hits).map { q, h in
                (q.id, h.map { RetrievedDocument(id: corpus[$0.index].id, score: Double($0.score)) })
            })
            report["ndcg@10"] = try RetrievalMetrics.evaluate(run: run, qrels: judgments, cutoffs: [10]).averages["NDCG@10"]
        }
        if json {
            print(JSONText.object(report))
        } else {
            print(String(format: "BM25 on %d docs: index %.0f docs/s; %.0f queries/s (1 thread), %.0f (2 threads); nDCG@10 %.4f",
                         documents.count, report["index_docs_per_s"] as! Double, report["1t_queries_per_s"] as! Double,
                         report["2t_queries_per_s"] as! Double, report["ndcg@10"] as! Double))
        }
    }

    private func bestOf3(_ body: () throws -> Void) throws -> Double {
        var best = Double.infinity
        for _ in 0..<3 {
            let start = DispatchTime.now().uptimeNanoseconds
            try body()
            best = min(best, Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
        }
        return best
    }
}
