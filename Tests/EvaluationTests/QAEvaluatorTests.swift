import Foundation
import Testing
import RagTuneRAG
import RagTuneStorage
import RagTuneTestSupport
@testable import RagTuneEvaluation

/// `QAEvaluator.run` on a tiny keyword store with a scripted generator: the whole evaluation
/// (questions, strategies, RAG over a store, scores, records, intervals, differences) without a model.
@Suite struct QAEvaluatorTests {
    private static let qa = """
        {"id": "q1", "question": "Who designed the Mordro-18 reactor?", "answer": "Kesttov Kanaxdro", "answer_v2": "Kanaxdro"}
        {"id": "q2", "question": "Who designed the Zorkest-30 compass?", "answer": "Halnax Eskeskfen", "answer_v2": "Eskeskfen"}
        {"id": "q3", "question": "Is honey made by bees?", "answer": "yes", "answer_v2": "yes"}

        """

    private func store() throws -> KeywordStore {
        try KeywordStore(keywords: ["reactor", "compass", "honey"], documents: [
            ("reactor", "The Mordro-18 reactor was designed by Kesttov Kanaxdro.", []),
            ("compass", "The Zorkest-30 compass was designed by Halnax Eskeskfen.", ["navy"]),
            ("honey", "Bees make honey from nectar.", []),
        ])
    }

    private func job(_ qaPath: String, store: KeywordStore?, strategies: [QAStrategy]) -> QAEvaluationJob {
        var job = QAEvaluationJob(qaPath: qaPath)
        job.strategies = strategies
        job.storePath = store?.path
        job.rag.minimumSimilarity = 0.1
        job.rag.mode = .dense
        job.rag.maxAnswerTokens = 16
        return job
    }

    @Test func scoresEveryStrategyAndPairsThem() throws {
        try TestFiles.with(Self.qa, name: "qa.jsonl") { url in
            let store = try store()
            let generator = ScriptedGenerator(reply: "Kesttov Kanaxdro [1]")
            var records: [QARecord] = []
            var progress: [Int] = []
            let report = try QAEvaluator.run(job(url.path, store: store, strategies: [.rag, .closedBook]), generator: { generator },
                                             embed: store.embed, progress: { done, total in
                                                 #expect(total == 6)
                                                 progress.append(done)
                                             }, record: { records.append($0) })
            #expect(report.questions == 3 && progress == [1, 2, 3, 4, 5, 6])
            #expect(records.map(\.id) == ["q1", "q1", "q2", "q2", "q3", "q3"])
            #expect(Set(report.strategies.keys) == ["rag", "closed-book"] && Array(report.differences.keys) == ["rag - closed-book"])
            let rag = try #require(report.scores[.rag]), closed = try #require(report.scores[.closedBook])
            // q1: the reply is right and cites the reactor passage; q2: its passage is for the navy
            // group only, so nothing relevant is found; q3 (yes/no) is not checkable.
            #expect(rag[0].exactMatch == 1 && rag[0].citationPrecision == 1 && rag[0].retrievalHit == 1)
            #expect(rag[1].exactMatch == 0 && rag[1].retrievalHit == 0 && rag[1].attempt.refusal == .noRelevantSources)
            #expect(rag[2].retrievalHit == nil)
            #expect(closed[0].exactMatch == 1 && closed[0].retrievalHit == nil)
            let summary = try #require(report.strategies["rag"])
            #expect(summary.retrievalHitQuestions == 2 && summary.retrievalHitRate == 0.5)
            #expect(summary.exactMatch.lower <= summary.exactMatch.mean && summary.exactMatch.mean <= summary.exactMatch.upper)
        }
    }

    @Test func answerFieldLimitAndUserAreHonoured() throws {
        try TestFiles.with(Self.qa, name: "qa.jsonl") { url in
            let store = try store()
            var job = job(url.path, store: store, strategies: [.rag])
            job.answerField = "answer_v2"
            job.limit = 2
            let generator = ScriptedGenerator(reply: "Eskeskfen [1]")
            let report = try QAEvaluator.run(job, generator: { generator }, embed: store.embed)
            #expect(report.questions == 2 && report.answerField == "answer_v2")
            // Without the navy group the compass passage is invisible: no source holds the answer.
            #expect(report.scores[.rag]?[1].retrievalHit == 0)
            job.user = "navy"
            let asNavy = try QAEvaluator.run(job, generator: { generator }, embed: store.embed)
            #expect(asNavy.scores[.rag]?[1].retrievalHit == 1 && asNavy.scores[.rag]?[1].exactMatch == 1)
        }
    }

    @Test func refusalsOfUnanswerableQuestionsAreScored() throws {
        let qa = Self.qa + #"{"id": "u1", "question": "Who designed the Zorbel-77 kettle?", "answer": "Not found in the sources."}"# + "\n"
        try TestFiles.with(qa, name: "qa.jsonl") { url in
            let store = try store()
            let refusing = try QAEvaluator.run(job(url.path, store: store, strategies: [.rag]),
                                               generator: { ScriptedGenerator(reply: "Not found in the sources.") }, embed: store.embed)
            let summary = try #require(refusing.strategies["rag"])
            // Every answer but the yes/no one ("Bees make honey" states it) is a refusal: all of the one
            // unanswerable question, one of three refusals right.
            #expect(summary.unanswerableQuestions == 1 && summary.refusalRecall == 1 && summary.refusalPrecision == 1.0 / 3)
            #expect(refusing.scores[.rag]?[2].exactMatch == 1)
            #expect(refusing.scores[.rag]?.last?.exactMatch == 1 && refusing.scores[.rag]?.last?.retrievalHit == nil)
            let answering = try QAEvaluator.run(job(url.path, store: store, strategies: [.rag]),
                                                generator: { ScriptedGenerator(reply: "Kesttov Kanaxdro [1]") }, embed: store.embed)
            // The kettle matches no passage, so it is refused before generating; the ACL-hidden compass too.
            let answered = try #require(answering.strategies["rag"])
            #expect(answered.refusalRecall == 1 && (answered.refusalPrecision ?? 1) < 1)
        }
    }

    @Test func badJobsAreClearErrorsBeforeAnyModelLoads() throws {
        try TestFiles.with(Self.qa, name: "qa.jsonl") { url in
            var missingField = job(url.path, store: nil, strategies: [.closedBook])
            missingField.answerField = "answer_v3"
            let error = TestFiles.errorText {
                _ = try QAEvaluator.run(missingField, generator: { Issue.record("generator made"); return ScriptedGenerator(reply: "") })
            }
            #expect(error?.contains("question q1 has no field \"answer_v3\"") == true, "\(error ?? "no error")")
            #expect(throws: RAGError.self) {
                _ = try QAEvaluator.run(job(url.path, store: nil, strategies: [.rag]), generator: { ScriptedGenerator(reply: "") })
            }
            var wrongStore = job(url.path, store: nil, strategies: [.rag])
            wrongStore.storePath = "/nonexistent/store.sqlite"
            #expect(throws: (any Error).self) {
                _ = try QAEvaluator.run(wrongStore, generator: { Issue.record("generator made"); return ScriptedGenerator(reply: "") })
            }
        }
    }

    /// `eval qa --json` and `--details` keys: the contract scripts read.
    @Test func reportAndRecordKeysArePinned() throws {
        try TestFiles.with(Self.qa, name: "qa.jsonl") { url in
            let store = try store()
            var records: [QARecord] = []
            let report = try QAEvaluator.run(job(url.path, store: store, strategies: [.rag, .closedBook]),
                                             generator: { ScriptedGenerator(reply: "Kesttov Kanaxdro [1]") }, embed: store.embed,
                                             record: { records.append($0) })
            let interval = ["lower", "mean", "upper"]
            let metrics = ["exact_match", "f1", "answer_contains", "f1_ungrounded", "answer_contains_ungrounded"]
            let summaryKeys = metrics + ["citation_precision", "citation_precision_questions", "refusal_rate", "refusal_precision",
                                         "refusal_recall", "unanswerable_questions", "retrieval_hit_rate",
                                         "retrieval_hit_questions", "latency_p50", "latency_p95", "tokens_per_query",
                                         "completion_tokens_per_query"]
            let expected = ["questions", "qa", "answer_field", "generator", "strategies", "strategies.*", "differences", "differences.*"]
                + summaryKeys.map { "strategies.*.\($0)" } + metrics.flatMap { m in interval.map { "strategies.*.\(m).\($0)" } }
                + metrics.map { "differences.*.\($0)" } + metrics.flatMap { m in interval.map { "differences.*.\(m).\($0)" } }
            #expect(try JSONKeys.paths(of: report, wildcards: ["strategies", "differences"]) == expected.sorted())
            let recordKeys = ["id", "question", "strategy", "gold", "answer", "em", "f1", "contains", "refused", "refusal", "generated",
                              "citations", "citations[].n", "citations[].doc_id", "citations[].chunk", "evidence", "citation_precision",
                              "retrieval_hit", "seconds", "prompt_tokens", "completion_tokens", "timings", "timings.*"]
            #expect(try JSONKeys.paths(of: records[0], wildcards: ["timings"]) == recordKeys.sorted())
            // Absent values are null, not missing: a closed-book record has the same keys but no citations.
            let closedBookKeys = try JSONKeys.paths(of: records[1], wildcards: ["timings"])
            #expect(closedBookKeys == recordKeys.filter { !$0.hasPrefix("citations[]") }.sorted())
        }
    }
}
