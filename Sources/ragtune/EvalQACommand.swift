import ArgumentParser
import Foundation
import RagTuneEvaluation
import RagTuneRAG

extension QAStrategy: ExpressibleByArgument {}

/// `ragtune eval qa`: closed-book, few-shot and RAG answers to the same questions, scored with
/// SQuAD's EM/F1, answer-contains, citation precision, refusal rate, retrieval hit rate, latency
/// and tokens, with bootstrap confidence intervals and paired differences between strategies.
struct EvalQACommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "qa",
        abstract: "Exact match, F1, answer-contains, citations, refusals and latency of closed-book, few-shot and RAG answers.",
        discussion: """
            QA lines: {"id", "question", "answer", ...}. Answers are scored against "answer" (or the field \
            --answer-field names, e.g. answer_v2). Citation precision (cited chunks containing the gold answer) \
            and retrieval hit rate (gold answer in the prompt's sources) are computed over questions whose \
            answer is not a bare yes/no. A question whose answer is "Not found in the sources." is unanswerable: \
            refusing it is right, and refusal precision and recall are reported over such questions. *_ungrounded scores what the generator wrote, before grounding replaced \
            unsupported answers by "not found". Intervals: bootstrap, 1,000 resamples, 95%.
            """)

    @Option(help: "QA file (JSONL).")
    var qa: String

    @Option(help: "The store built by `ragtune index` (an SQLite file or a postgres:// URL; needed by rag).")
    var store: String?

    @Option(name: .customLong("strategy"), help: "closed-book, few-shot or rag (repeatable; compared pairwise).")
    var strategies: [QAStrategy] = [.rag]

    @Option(name: .customLong("answer-field"), help: "The field holding the reference answer.")
    var answerField = "answer"

    @Option(help: "Evaluate only the first N questions.")
    var limit: Int?

    @Option(help: "Ask as this user (ACL).")
    var user: String?

    @Option(help: "Solved examples in a few-shot prompt (drawn from the QA file with --seed; never the question asked).")
    var shots: Int = 3

    @Option(help: "Seed for drawing few-shot examples and bootstrap resamples.")
    var seed: UInt64 = 42

    @Option(name: .customLong("max-tokens"), help: "Longest answer, in tokens.")
    var maxTokens: Int = 48

    @Option(help: "Write one JSON line per question and strategy to this file (with the extract style's evidence sentences).")
    var details: String?

    @OptionGroup var rag: RAGOptions

    @OptionGroup var generatorOptions: GeneratorOptions

    @OptionGroup var threadOptions: ThreadOptions

    @OptionGroup var jsonOutput: JSONOutputOptions

    func validate() throws {
        guard !strategies.isEmpty else { throw ValidationError("give at least one --strategy") }
        if strategies.contains(.rag), store == nil { throw ValidationError("--strategy rag needs --store") }
        guard limit.map({ $0 >= 1 }) ?? true else { throw ValidationError("--limit must be at least 1") }
        guard shots >= 0, maxTokens >= 1 else { throw ValidationError("--shots must be ≥ 0 and --max-tokens ≥ 1") }
    }

    /// What the flags ask for.
    var job: QAEvaluationJob {
        var job = QAEvaluationJob(qaPath: qa)
        job.answerField = answerField
        job.limit = limit
        job.strategies = strategies
        job.storePath = store
        job.rag = rag.configuration(maxAnswerTokens: maxTokens)
        job.user = user
        job.shots = shots
        job.seed = seed
        job.threads = threadOptions.threads
        return job
    }

    func run() throws {
        let detailsFile = try details.map { try OutputSink(path: $0) }
        var bar = ProgressBar("answering", total: 0, unit: "answers")
        let report = try QAEvaluator.run(job, generator: { try generatorOptions.make(threads: threadOptions.threads) },
                                         log: { logError($0) }, progress: { done, total in
            bar.total = total
            bar.update(done)
        }, record: { try detailsFile?.line(JSONText.encode($0)) })
        bar.finish(report.questions * strategies.count)
        try detailsFile?.commit()
        if jsonOutput.json { return try printJSON(report) }
        for strategy in strategies {
            guard let s = report.strategies[strategy.rawValue] else { continue }
            print("\(strategy.rawValue): EM \(s.exactMatch.formatted())  F1 \(s.f1.formatted())  contains \(s.answerContains.formatted())")
            if strategy == .rag {
                print("    before grounding: F1 \(s.f1Ungrounded.formatted())  contains \(s.answerContainsUngrounded.formatted())")
            }
            print(String(format: "    refusals %.1f%%  latency p50 %.2f s p95 %.2f s  %.0f tokens/query", 100 * s.refusalRate,
                         s.latencyP50, s.latencyP95, s.tokensPerQuery))
            if s.unanswerableQuestions > 0 {
                print(String(format: "    unanswerable %d: refusal recall %.2f, precision %.2f", s.unanswerableQuestions,
                             s.refusalRecall ?? 0, s.refusalPrecision ?? 0))
            }
        }
        for (name, d) in report.differences.sorted(by: { $0.key < $1.key }) {
            print("\(name): F1 \(d.f1.formatted(signed: true)), contains \(d.answerContains.formatted(signed: true))")
        }
    }
}
