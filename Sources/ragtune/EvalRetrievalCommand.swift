import ArgumentParser
import Foundation
import RagTuneEvaluation
import RagTuneModels
import RagTuneRetrieval

/// Which retriever `eval retrieval` measures.
enum RetrievalMode: String, ExpressibleByArgument, CaseIterable {
    case bm25, dense, hybrid
}

/// `ragtune eval retrieval`: BM25, dense (MiniLM, exact search) or hybrid (reciprocal-rank
/// fusion) over a BEIR-format data set, scored with BEIR's metric definitions.
struct EvalRetrievalCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "retrieval",
        abstract: "nDCG@10, Recall@100, MRR@10 of BM25, dense or hybrid retrieval on BEIR-format data.",
        discussion: """
            Documents are indexed as title + " " + text (as BEIR does). Queries without qrels are \
            skipped, as BEIR does. qps counts query-time work only (query embedding included). \
            Without --store the indexes live in memory for this run.
            """)

    @Option(help: "BEIR corpus.jsonl ({\"_id\", \"title\", \"text\"}).")
    var corpus: String

    @Option(help: "BEIR queries.jsonl ({\"_id\", \"text\"}).")
    var queries: String

    @Option(help: "Qrels TSV (query-id, corpus-id, score) or TREC qrels.")
    var qrels: String

    @Option(help: "bm25, dense or hybrid.")
    var mode: RetrievalMode = .bm25

    @Option(help: "A persistent store to index into and search (not built yet).")
    var store: String?

    @Option(name: .customLong("run-out"), help: "Write the ranking as a TREC run file.")
    var runOut: String?

    @Option(help: "Documents retrieved per query (and per list before fusion).")
    var top: Int = 1000

    @Option(name: .customLong("rrf-k"), help: "Reciprocal-rank fusion constant.")
    var rrfK: Float = 60

    @Option(name: .customLong("bm25-k1"))
    var k1: Double = 1.2

    @Option(name: .customLong("bm25-b"))
    var b: Double = 0.75

    @Option(help: "Worker threads.")
    var threads: Int = 2

    @Flag(help: "Print one JSON object on stdout.")
    var json = false

    func validate() throws {
        if store != nil {
            throw ValidationError("--store: the persistent SQLite store is not built yet; run without it (in-memory indexes)")
        }
        guard top >= 1 else { throw ValidationError("--top must be at least 1") }
        guard threads >= 1 else { throw ValidationError("--threads must be at least 1") }
    }

    func run() throws {
        let documents = try BEIRCorpus(contentsOf: URL(fileURLWithPath: corpus)).documents
        let judgments = try Qrels(contentsOf: URL(fileURLWithPath: qrels))
        let allQueries = try BEIRQueries(contentsOf: URL(fileURLWithPath: queries)).queries
        let evaluated = allQueries.filter { !(judgments[$0.id] ?? [:]).isEmpty }
        guard !evaluated.isEmpty else { throw ValidationError("no query in \(queries) has judgments in \(qrels)") }
        let texts = documents.map { $0.title.isEmpty ? $0.text : $0.title + " " + $0.text }
        let queryTexts = evaluated.map(\.text)
        logError("\(documents.count) documents, \(evaluated.count) of \(allQueries.count) queries have qrels; mode \(mode.rawValue)")

        var timings: [String: Double] = [:]
        var lists: [[[ScoredDocument]]] = []
        if mode != .dense {
            let started = Date()
            let index = try BM25Index.build(documents: zip(documents, texts).map { ($0.id, $1) },
                                            scoring: BM25Scoring(k1: k1, b: b))
            timings["bm25_index_seconds"] = Date().timeIntervalSince(started)
            let searched = Date()
            let hits = index.searchBatch(queryTexts, k: top, threads: threads)
            timings["bm25_search_seconds"] = Date().timeIntervalSince(searched)
            lists.append(hits)
        }
        if mode != .bm25 {
            let embedder = try MiniLMEmbedder(threads: threads)
            let started = Date()
            var index = ExactVectorIndex(dimension: embedder.dimension)
            let batch = 512
            for start in stride(from: 0, to: texts.count, by: batch) {
                try index.add(contentsOf: embedder.embed(Array(texts[start..<min(start + batch, texts.count)])))
                progress("embedding corpus", done: index.count, total: texts.count, since: started)
            }
            timings["dense_index_seconds"] = Date().timeIntervalSince(started)
            let searched = Date()
            let hits = try index.search(embedder.embed(queryTexts), k: top, threads: threads)
            timings["dense_search_seconds"] = Date().timeIntervalSince(searched)
            lists.append(hits)
        }
        let rankings = mode == .hybrid
            ? zip(lists[0], lists[1]).map { RankFusion.reciprocalRank([$0, $1], k: rrfK, limit: top) }
            : lists[0]
        let searchSeconds = timings.filter { $0.key.hasSuffix("_search_seconds") }.values.reduce(0, +)

        let run = Run(zip(evaluated, rankings).map { query, hits in
            (query.id, hits.map { RetrievedDocument(id: documents[$0.index].id, score: Double($0.score)) })
        })
        if let runOut { try run.writeTREC(to: URL(fileURLWithPath: runOut), tag: "ragtune-\(mode.rawValue)") }
        let report = try RetrievalMetrics.evaluate(run: run, qrels: judgments)
        let qps = Double(evaluated.count) / max(searchSeconds, 1e-9)
        var summary: [String: Any] = [
            "ndcg@10": report.averages["NDCG@10"] ?? 0, "recall@100": report.averages["Recall@100"] ?? 0,
            "mrr@10": report.averages["MRR@10"] ?? 0, "queries": report.queries.count, "qps": qps,
            "mode": mode.rawValue, "documents": documents.count, "threads": threads, "timings": timings,
        ]
        if mode == .hybrid { summary["fusion"] = "rrf(k=\(rrfK))" }
        if json {
            print(JSONText.object(summary))
        } else {
            print(String(format: "%@: nDCG@10 %.4f  Recall@100 %.4f  MRR@10 %.4f  (%d queries, %.0f queries/s)",
                         mode.rawValue, summary["ndcg@10"] as! Double, summary["recall@100"] as! Double,
                         summary["mrr@10"] as! Double, report.queries.count, qps))
        }
    }

    private func progress(_ what: String, done: Int, total: Int, since: Date) {
        let seconds = Date().timeIntervalSince(since)
        logError(String(format: "%@: %d/%d (%.0f/s)", what, done, total, Double(done) / max(seconds, 1e-9)))
    }
}
