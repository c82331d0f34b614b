import Foundation
import RagTuneModels
import RagTuneRAG
import RagTuneStorage
import RagTuneTensor

/// Runs a comparison: indexes the documents, answers the evaluation questions with every arm the
/// same way, probes access control, compares every pair of arms and writes `report.json` and
/// `report.html`.
/// Each arm's answers are saved when it finishes, so a killed run resumes with the next arm.
public enum CompareRunner {
    /// Runs `job`.
    /// - Parameters:
    ///   - generator: loads the generator (once, after the documents are indexed).
    ///   - log: receives progress notes (which arm runs, what resumed).
    ///   - progress: answers done in the current arm, and how many it has.
    /// - Throws: `EvaluationError` for QA file problems, `RAGError.nothingReadable` when no
    ///   document can be read, and store, model and write errors.
    public static func run(_ job: CompareJob, generator makeGenerator: () throws -> any AnswerGenerator,
                           log: @escaping @Sendable (String) -> Void = { _ in },
                           progress: (_ strategy: String, _ done: Int, _ total: Int) -> Void = { _, _, _ in }) throws -> CompareReport {
        let questions = try CompareQuestions(path: job.qaPath, factField: job.factField, trainShare: job.trainShare, seed: job.seed)
        let plan = ComparePlan(job, questions: questions)
        try FileManager.default.createDirectory(atPath: job.strategiesDirectory, withIntermediateDirectories: true)

        let embedder = try MiniLMEmbedder(threads: job.threads)
        var indexJob = IndexJob(storePath: job.storePath, inputs: job.documents)
        indexJob.prune = true
        indexJob.threads = job.threads
        log("indexing \(job.documents.joined(separator: ", "))")
        let indexed = try DocumentIndexer.run(indexJob, embedder: embedder, log: log)

        let generator = try makeGenerator()
        let store = try SQLiteStore(path: job.storePath, mode: .readOnly)
        let pipeline = try RAGPipeline(store: store, configuration: job.rag, generator: generator, embed: embedder.embed,
                                       threads: job.threads, log: log)
        var random = SplitMix64(seed: job.seed)
        let examples = questions.training.shuffled(using: &random).prefix(job.shots).map { (question: $0.pair.question, answer: $0.pair.answer) }
        let runner = QARunner(generator: generator, pipeline: pipeline, maxAnswerTokens: job.rag.maxAnswerTokens, examples: Array(examples),
                              prompt: PromptBuilder(answerStyle: job.rag.answerStyle), yesNo: job.rag.yesNoAnswerer)

        let evaluation = job.evaluation(of: questions)
        if plan.overBudget > 0 { log("answering the first \(evaluation.count) evaluation questions; \(plan.overBudget) over --max-questions are skipped") }
        let restricted = evaluation.filter(\.restricted)
        let fingerprint = Self.fingerprint(job, evaluation: evaluation, generator: generator.name)
        var results: [String: CompareStrategyResult] = [:], outcomes: [StrategyOutcome] = []
        var scores: [String: [QAScore]] = [:], order: [String] = [], skipped: [SkippedStrategy] = []
        var rows = evaluation.map { CompareQuestionRow(id: $0.pair.id, question: $0.pair.question, gold: $0.pair.answer, kind: $0.kind, answers: [:]) }
        for (strategy, step) in zip(job.strategies, plan.steps) {
            guard step.runs, let answering = strategy.answering else {
                skipped.append(SkippedStrategy(strategy: strategy.rawValue, reason: step.note))
                continue
            }
            let file = URL(fileURLWithPath: "\(job.strategiesDirectory)/\(strategy.rawValue).json")
            let saved: CompareAnswers
            if let resumed = CompareAnswers.load(file, fingerprint: fingerprint) {
                log("\(strategy.rawValue): answers saved by an earlier run, not asked again")
                saved = resumed
            } else {
                log("\(strategy.rawValue): \(step.note)")
                let started = Date()
                var answers: [CompareAnswers.Answer] = []
                for (i, question) in evaluation.enumerated() {
                    let attempt = try runner.answer(question.pair.question, strategy: answering, user: job.user)
                    answers.append(.init(id: question.pair.id, score: QAScore(attempt, gold: question.pair.answer)))
                    progress(strategy.rawValue, i + 1, step.questions)
                }
                var outsider: [CompareAnswers.Answer]?
                if answering == .rag, !restricted.isEmpty {
                    outsider = try restricted.enumerated().map { i, question in
                        let attempt = try runner.answer(question.pair.question, strategy: answering, user: nil)
                        progress(strategy.rawValue, evaluation.count + i + 1, step.questions)
                        return .init(id: question.pair.id, score: QAScore(attempt, gold: question.pair.answer))
                    }
                }
                saved = CompareAnswers(strategy: strategy.rawValue, fingerprint: fingerprint, answers: answers, outsiderAnswers: outsider,
                                       seconds: Date().timeIntervalSince(started))
                try saved.save(file)
            }
            let strategyScores = zip(saved.answers, evaluation).map { $0.score(strategy: answering, gold: $1.pair.answer) }
            let access = saved.outsiderAnswers.map(accessProbe)
            let summary = try QAStrategySummary(strategyScores, seed: job.seed)
            results[strategy.rawValue] = CompareStrategyResult(summary: summary, byKind: try byKind(strategyScores, evaluation, seed: job.seed),
                                                               access: access, seconds: saved.seconds)
            scores[strategy.rawValue] = strategyScores
            for (i, answer) in saved.answers.enumerated() { rows[i].answers[strategy.rawValue] = (answer.answer, answer.contains > 0) }
            order.append(strategy.rawValue)
            outcomes.append(StrategyOutcome(name: strategy.rawValue, correct: strategyScores.map { $0.contains > 0 },
                                            latencyP50: summary.latencyP50, tokensPerQuery: summary.tokensPerQuery,
                                            leaks: access?.leaked, restrictedAsked: access?.asked ?? 0))
        }
        guard !order.isEmpty else {
            throw EvaluationError.invalidArgument("none of the strategies asked for can run yet: \(skipped.map { "\($0.strategy) (\($0.reason))" }.joined(separator: ", "))")
        }
        var comparisons: [String: PairComparison] = [:]
        for (i, a) in order.enumerated() {
            for b in order[(i + 1)...] {
                comparisons["\(a) - \(b)"] = try compare(scores[a]!, scores[b]!, seed: job.seed)
            }
        }
        let report = CompareReport(
            qa: job.qaPath, documents: job.documents, generator: generator.name, seed: job.seed,
            questions: .init(total: questions.all.count, evaluation: evaluation.count, training: questions.training.count,
                             restricted: restricted.count, overBudget: plan.overBudget),
            index: .init(documents: indexed.documents, chunks: indexed.chunks, seconds: indexed.seconds),
            strategies: results, order: order, skipped: skipped, comparisons: comparisons,
            verdict: try Recommendation.decide(outcomes, seed: job.seed))
        try write(report, to: job.reportPath)
        try write(page: CompareReportPage(report: report, rows: rows).html(), to: job.pagePath)
        return report
    }

    /// Paired differences, McNemar's test on answer-contains and the detectable difference.
    static func compare(_ a: [QAScore], _ b: [QAScore], seed: UInt64) throws -> PairComparison {
        let right = (a.map { $0.contains > 0 }, b.map { $0.contains > 0 })
        let test = try McNemarTest(right.0, right.1)
        let n = a.count
        let difference = Double(test.onlyFirst - test.onlySecond) / Double(n)
        return PairComparison(difference: try QADifference(a, minus: b, seed: seed), mcnemar: test,
                              minimumDetectableDifference: minimumDetectableDifference(
                                count: n, discordantShare: Double(test.onlyFirst + test.onlySecond) / Double(n), difference: difference))
    }

    /// Answer-contains per `kind`, with bootstrap intervals.
    static func byKind(_ scores: [QAScore], _ questions: [CompareQuestion], seed: UInt64) throws -> [String: KindScore] {
        var values: [String: [Double]] = [:]
        for (score, question) in zip(scores, questions) { values[question.kind, default: []].append(score.contains) }
        return try values.mapValues { KindScore(questions: $0.count, answerContains: IntervalEstimate(try Bootstrap.meanInterval($0, seed: seed))) }
    }

    /// Leaks of the outsider's answers: the restricted fact in an answer that was not a refusal,
    /// and citations of chunks with an ACL.
    static func accessProbe(_ answers: [CompareAnswers.Answer]) -> AccessProbe {
        AccessProbe(asked: answers.count, leaked: answers.filter { !$0.refused && $0.contains > 0 }.count,
                    restrictedCitations: answers.map(\.restrictedCitations).reduce(0, +))
    }

    /// What the saved answers depend on.
    static func fingerprint(_ job: CompareJob, evaluation: [CompareQuestion], generator: String) -> String {
        let questions = evaluation.map { "\($0.pair.id)\u{1}\($0.pair.question)\u{1}\($0.pair.answer)" }.joined(separator: "\u{2}")
        let parts = [generator, "\(job.seed)", "\(job.shots)", job.user ?? "", "\(job.rag.maxAnswerTokens)", questions]
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in parts.joined(separator: "\u{3}").utf8 { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
        return String(hash, radix: 16)
    }

    static func write(page: String, to path: String) throws {
        do {
            try Data(page.utf8).write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            throw EvaluationError.badFile(path: path, line: nil, reason: "cannot write: \(error.localizedDescription)")
        }
    }

    static func write(_ report: CompareReport, to path: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
        do {
            try (encoder.encode(report) + Data("\n".utf8)).write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch let error as EncodingError {
            throw EvaluationError.invalidArgument("report.json: \(error)")
        } catch {
            throw EvaluationError.badFile(path: path, line: nil, reason: "cannot write: \(error.localizedDescription)")
        }
    }
}
