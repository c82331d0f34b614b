import RagTuneModelFiles
import RagTuneRAG

/// A mean and its 95% bootstrap interval, as reports print it.
public struct IntervalEstimate: Codable, Sendable, Equatable {
    public var mean: Double
    public var lower: Double
    public var upper: Double

    public init(mean: Double, lower: Double, upper: Double) {
        self.mean = mean
        self.lower = lower
        self.upper = upper
    }

    /// "0.412 [0.371, 0.455]", or with `signed` "+0.041 [-0.010, +0.092]" (for differences).
    public func formatted(signed: Bool = false) -> String {
        let number = signed ? "%+.3f" : "%.3f"
        return String(format: "\(number) [\(number), \(number)]", mean, lower, upper)
    }

    public init(_ interval: ConfidenceInterval) {
        mean = interval.estimate
        lower = interval.lower
        upper = interval.upper
    }
}

/// One strategy's scores over all questions.
public struct QAStrategySummary: Encodable, Sendable {
    public var exactMatch, f1, answerContains, f1Ungrounded, answerContainsUngrounded: IntervalEstimate
    /// Mean over questions with a checkable gold and citations (nil when there are none).
    @NullEncoded public var citationPrecision: Double?
    public var citationPrecisionQuestions: Int
    public var refusalRate: Double
    /// Of the refused questions, the share that are unanswerable (nil without refusals).
    @NullEncoded public var refusalPrecision: Double?
    /// Of the unanswerable questions, the share refused (nil without unanswerable questions).
    @NullEncoded public var refusalRecall: Double?
    /// Questions whose gold answer is the refusal.
    public var unanswerableQuestions: Int
    /// Mean over RAG questions with a checkable gold (nil when there are none).
    @NullEncoded public var retrievalHitRate: Double?
    public var retrievalHitQuestions: Int
    public var latencyP50, latencyP95: Double
    public var tokensPerQuery, completionTokensPerQuery: Double

    private enum CodingKeys: String, CodingKey {
        case exactMatch = "exact_match", f1, answerContains = "answer_contains", f1Ungrounded = "f1_ungrounded"
        case answerContainsUngrounded = "answer_contains_ungrounded", citationPrecision = "citation_precision"
        case citationPrecisionQuestions = "citation_precision_questions", refusalRate = "refusal_rate"
        case refusalPrecision = "refusal_precision", refusalRecall = "refusal_recall", unanswerableQuestions = "unanswerable_questions"
        case retrievalHitRate = "retrieval_hit_rate", retrievalHitQuestions = "retrieval_hit_questions"
        case latencyP50 = "latency_p50", latencyP95 = "latency_p95", tokensPerQuery = "tokens_per_query"
        case completionTokensPerQuery = "completion_tokens_per_query"
    }

    /// Summarizes non-empty `scores`; intervals are seeded bootstrap intervals (1,000 resamples).
    /// - Throws: `EvaluationError.invalidArgument` for no scores.
    public init(_ scores: [QAScore], seed: UInt64) throws {
        func interval(_ metric: KeyPath<QAScore, Double>) throws -> IntervalEstimate {
            IntervalEstimate(try Bootstrap.meanInterval(scores.map { $0[keyPath: metric] }, seed: seed))
        }
        func mean(_ values: [Double]) -> Double? { values.isEmpty ? nil : values.reduce(0, +) / Double(values.count) }
        exactMatch = try interval(\.exactMatch)
        f1 = try interval(\.f1)
        answerContains = try interval(\.contains)
        f1Ungrounded = try interval(\.ungroundedF1)
        answerContainsUngrounded = try interval(\.ungroundedContains)
        let precisions = scores.compactMap(\.citationPrecision), hits = scores.compactMap(\.retrievalHit)
        citationPrecision = mean(precisions)
        citationPrecisionQuestions = precisions.count
        retrievalHitRate = mean(hits)
        retrievalHitQuestions = hits.count
        let refused = scores.filter(\.attempt.refused), unanswerable = scores.filter(\.unanswerable)
        refusalRate = Double(refused.count) / Double(scores.count)
        refusalPrecision = refused.isEmpty ? nil : Double(refused.filter(\.unanswerable).count) / Double(refused.count)
        refusalRecall = unanswerable.isEmpty ? nil : Double(unanswerable.filter(\.attempt.refused).count) / Double(unanswerable.count)
        unanswerableQuestions = unanswerable.count
        let seconds = scores.map(\.attempt.seconds).sorted()
        latencyP50 = Bootstrap.quantile(seconds, 0.5)
        latencyP95 = Bootstrap.quantile(seconds, 0.95)
        tokensPerQuery = Double(scores.map { $0.attempt.promptTokens + $0.attempt.completionTokens }.reduce(0, +)) / Double(scores.count)
        completionTokensPerQuery = Double(scores.map(\.attempt.completionTokens).reduce(0, +)) / Double(scores.count)
    }
}

/// Paired bootstrap intervals of one strategy's scores minus another's, question by question.
public struct QADifference: Encodable, Sendable {
    public var f1, answerContains, exactMatch, f1Ungrounded, answerContainsUngrounded: IntervalEstimate

    private enum CodingKeys: String, CodingKey {
        case f1, answerContains = "answer_contains", exactMatch = "exact_match", f1Ungrounded = "f1_ungrounded"
        case answerContainsUngrounded = "answer_contains_ungrounded"
    }

    /// a − b over the same questions in the same order.
    /// - Throws: `EvaluationError.invalidArgument` when the lists differ in length or are empty.
    public init(_ a: [QAScore], minus b: [QAScore], seed: UInt64) throws {
        func interval(_ metric: KeyPath<QAScore, Double>) throws -> IntervalEstimate {
            IntervalEstimate(try Bootstrap.pairedDifferenceInterval(a.map { $0[keyPath: metric] }, b.map { $0[keyPath: metric] },
                                                                    seed: seed))
        }
        f1 = try interval(\.f1)
        answerContains = try interval(\.contains)
        exactMatch = try interval(\.exactMatch)
        f1Ungrounded = try interval(\.ungroundedF1)
        answerContainsUngrounded = try interval(\.ungroundedContains)
    }
}

/// The result of a QA evaluation (`eval qa --json`): per-strategy summaries and the paired
/// difference of every pair of strategies, keyed "a - b" in the order the strategies were given.
public struct QAReport: Encodable, Sendable {
    public var questions: Int
    /// The QA file and the field holding the reference answers.
    public var qa: String
    public var answerField: String
    public var generator: String
    public var strategies: [String: QAStrategySummary]
    public var differences: [String: QADifference]
    /// Every question's scores, per strategy, in question order (not part of the JSON summary;
    /// `QARecord` writes them).
    public var scores: [QAStrategy: [QAScore]]

    private enum CodingKeys: String, CodingKey {
        case questions, qa, answerField = "answer_field", generator, strategies, differences
    }
}
