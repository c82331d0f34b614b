import Foundation
import Testing
import RagTuneRetrieval
import RagTuneTestSupport
@testable import RagTuneEvaluation

/// `RetrievalEvaluator.run` in memory with BM25 on a tiny BEIR-format data set.
@Suite struct RetrievalEvaluatorTests {
    private static let corpus = """
        {"_id": "d1", "title": "Bees", "text": "Bees make honey from nectar."}
        {"_id": "d2", "title": "Reactors", "text": "The Mordro-18 reactor was designed by Kesttov Kanaxdro."}
        {"_id": "d3", "title": "Compasses", "text": "The Zorkest-30 compass points north."}

        """
    private static let queries = """
        {"_id": "q1", "text": "who makes honey"}
        {"_id": "q2", "text": "Mordro-18 reactor designer"}
        {"_id": "q3", "text": "a query without judgments"}

        """
    private static let qrels = "query-id\tcorpus-id\tscore\nq1\td1\t1\nq2\td2\t1\n"

    private func files(_ body: (RetrievalEvaluationJob) throws -> Void) throws {
        try TestFiles.with(Self.corpus, name: "corpus.jsonl") { corpus in
            try TestFiles.with(Self.queries, name: "queries.jsonl") { queries in
                try TestFiles.with(Self.qrels, name: "qrels.tsv") { qrels in
                    try body(RetrievalEvaluationJob(corpusPath: corpus.path, queriesPath: queries.path, qrelsPath: qrels.path))
                }
            }
        }
    }

    @Test func scoresJudgedQueriesAndWritesTheRun() throws {
        try files { job in
            var job = job
            let runFile = FileManager.default.temporaryDirectory.appendingPathComponent("ragtune-run-\(UUID().uuidString).trec")
            defer { try? FileManager.default.removeItem(at: runFile) }
            job.runOut = runFile.path
            let result = try RetrievalEvaluator.run(job)
            #expect(result.queries == 2 && result.documents == 3 && result.mode == "bm25")
            #expect(result.ndcgAt10 == 1 && result.mrrAt10 == 1 && result.recallAt100 == 1)
            #expect(result.fusion == nil && result.store == nil && result.timings["bm25_search_seconds"] != nil)
            let run = try Run(contentsOfTREC: runFile)
            #expect(run["q2"]?.first?.id == "d2")
        }
    }

    @Test func badJobsAreClearErrors() throws {
        try files { job in
            var custom = job
            custom.bm25 = BM25Scoring(k1: 0.9, b: 0.4)
            custom.storePath = FileManager.default.temporaryDirectory.appendingPathComponent("ragtune-\(UUID().uuidString).sqlite").path
            #expect(TestFiles.errorText { _ = try RetrievalEvaluator.run(custom) }?.contains("k1 1.2 and b 0.75") == true)
            #expect(!FileManager.default.fileExists(atPath: custom.storePath!))
            var unjudged = job
            unjudged.qrelsPath = job.qrelsPath + ".missing"
            #expect(TestFiles.errorText { _ = try RetrievalEvaluator.run(unjudged) } != nil)
        }
    }

    /// `eval retrieval --json` keys (fusion and store appear only when used).
    @Test func summaryKeysArePinned() throws {
        try files { job in
            let result = try RetrievalEvaluator.run(job)
            #expect(try JSONKeys.paths(of: result, wildcards: ["timings"])
                    == ["documents", "mode", "mrr@10", "ndcg@10", "qps", "queries", "recall@100", "threads", "timings", "timings.*"])
        }
    }
}
