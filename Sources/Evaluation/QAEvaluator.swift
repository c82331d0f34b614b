import Foundation
import RagTuneModels
import RagTuneRAG
import RagTuneStorage
import RagTuneTensor

/// What a QA evaluation runs (`eval qa`, the demo, a `compare` arm).
public struct QAEvaluationJob: Sendable {
    /// QA file (JSONL: {"id", "question", "answer", ...}).
    public var qaPath: String
    /// The field holding the reference answer ("answer", or e.g. "answer_v2").
    public var answerField = "answer"
    /// Evaluate only the first N questions.
    public var limit: Int?
    /// Compared pairwise, in this order.
    public var strategies: [QAStrategy] = [.rag]
    /// The store built by `index` (needed by `.rag`).
    public var storePath: String?
    /// How RAG answers; `rag.maxAnswerTokens` is every strategy's answer budget.
    public var rag = RAGConfiguration()
    /// Ask as this user (ACL).
    public var user: String?
    /// Solved examples in a few-shot prompt, drawn from the QA file with `seed` (never the question asked).
    public var shots = 3
    /// Seed of the few-shot draw and of the bootstrap resamples.
    public var seed: UInt64 = 42
    public var threads = 2

    public init(qaPath: String) {
        self.qaPath = qaPath
    }
}

/// Answers every question of a QA file with every strategy and scores the answers: SQuAD EM/F1,
/// answer-contains, citation precision, refusals, retrieval hit rate, latency and tokens, with
/// bootstrap intervals and paired differences between strategies.
public enum QAEvaluator {
    /// Runs `job`.
    /// - Parameters:
    ///   - generator: makes the generator; called once, after the store opened (so a wrong store
    ///     path fails before a model loads).
    ///   - embed: embeds questions with the store's model for the RAG strategy (MiniLM, loaded with
    ///     `job.threads`, when nil and needed).
    ///   - log: receives index rebuild notes.
    ///   - progress: answers done so far, and how many there will be.
    ///   - record: receives every answer's scores as it is scored (for `--details`).
    /// - Throws: `EvaluationError` for an unreadable QA file or a question without the answer
    ///   field, `RAGError.missingPipeline` for `.rag` without a store, and store and model errors.
    public static func run(_ job: QAEvaluationJob, generator makeGenerator: () throws -> any AnswerGenerator,
                           embed: (([String]) throws -> [[Float]])? = nil,
                           log: @escaping @Sendable (String) -> Void = { _ in },
                           progress: (_ done: Int, _ total: Int) -> Void = { _, _ in },
                           record: (QARecord) throws -> Void = { _ in }) throws -> QAReport {
        let dataset = try QADataset(contentsOf: URL(fileURLWithPath: job.qaPath))
        let pairs = job.limit.map { Array(dataset.pairs.prefix($0)) } ?? dataset.pairs
        let golds = try pairs.map { pair -> String in
            guard let gold = job.answerField == "answer" ? pair.answer : pair.fields[job.answerField] else {
                throw EvaluationError.badFile(path: job.qaPath, line: nil, reason: "question \(pair.id) has no field \"\(job.answerField)\"")
            }
            return gold
        }
        if job.strategies.contains(.rag), job.storePath == nil { throw RAGError.missingPipeline }
        // The store opens before any model loads, so a wrong path fails at once.
        let store = try job.storePath.map { try AnyDocumentStore.open($0, mode: .readOnly) }
        let generator = try makeGenerator()
        let pipeline = try store.map { store in
            let embed = try embed ?? MiniLMEmbedder(threads: job.threads).embed
            return try RAGPipeline(store: store, configuration: job.rag, generator: generator, embed: embed,
                                   threads: job.threads, log: log)
        }
        var random = SplitMix64(seed: job.seed)
        let examples = dataset.pairs.indices.shuffled(using: &random).prefix(job.shots)
            .map { (question: dataset.pairs[$0].question, answer: dataset.pairs[$0].answer) }
        let runner = QARunner(generator: generator, pipeline: pipeline, maxAnswerTokens: job.rag.maxAnswerTokens, examples: examples,
                              prompt: PromptBuilder(answerStyle: job.rag.answerStyle), yesNo: job.rag.yesNoAnswerer)
        var scores: [QAStrategy: [QAScore]] = [:]
        let total = pairs.count * job.strategies.count
        var done = 0
        for (pair, gold) in zip(pairs, golds) {
            for strategy in job.strategies {
                let score = QAScore(try runner.answer(pair.question, strategy: strategy, user: job.user), gold: gold)
                scores[strategy, default: []].append(score)
                try record(QARecord(id: pair.id, question: pair.question, score: score))
                done += 1
                progress(done, total)
            }
        }
        return try report(scores, strategies: job.strategies, seed: job.seed, qa: job.qaPath, answerField: job.answerField,
                          generator: generator.name, questions: pairs.count)
    }

    /// Summaries of each strategy's scores and the paired difference of every pair ("a - b", a
    /// before b in `strategies`).
    static func report(_ scores: [QAStrategy: [QAScore]], strategies: [QAStrategy], seed: UInt64, qa: String,
                       answerField: String, generator: String, questions: Int) throws -> QAReport {
        var summaries: [String: QAStrategySummary] = [:]
        var differences: [String: QADifference] = [:]
        for (i, a) in strategies.enumerated() {
            summaries[a.rawValue] = try QAStrategySummary(scores[a] ?? [], seed: seed)
            for b in strategies[(i + 1)...] {
                differences["\(a.rawValue) - \(b.rawValue)"] = try QADifference(scores[a] ?? [], minus: scores[b] ?? [], seed: seed)
            }
        }
        return QAReport(questions: questions, qa: qa, answerField: answerField, generator: generator,
                        strategies: summaries, differences: differences, scores: scores)
    }
}
