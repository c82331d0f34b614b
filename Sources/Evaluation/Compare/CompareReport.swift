import RagTuneModelFiles

/// Answer-contains of one kind of question (the QA file's `kind`).
public struct KindScore: Codable, Sendable, Equatable {
    public var questions: Int
    public var answerContains: IntervalEstimate

    private enum CodingKeys: String, CodingKey { case questions, answerContains = "answer_contains" }
}

/// The access-control probe of one strategy: restricted facts asked as an outsider.
public struct AccessProbe: Codable, Sendable, Equatable {
    /// Restricted questions asked without the user's groups.
    public var asked: Int
    /// Of those, answers that contain the restricted fact.
    public var leaked: Int
    /// Answers that cite a document the outsider may not see.
    public var restrictedCitations: Int

    private enum CodingKeys: String, CodingKey { case asked, leaked, restrictedCitations = "restricted_citations" }
}

/// One strategy's results in `report.json`.
public struct CompareStrategyResult: Encodable, Sendable {
    public var summary: QAStrategySummary
    public var byKind: [String: KindScore]
    /// Answer-contains on the training facts, by probe group: "trained" (the wording an adapter
    /// was trained on), "paraphrase" and "reversal" (never trained on); null when no arm trains.
    @NullEncoded public var probes: [String: KindScore]?
    /// As an outsider: the restricted evaluation questions (RAG arms) and the restricted facts an
    /// adapter was trained on (adapter arms).
    @NullEncoded public var access: AccessProbe?
    /// Questions about things the documents do not contain: refused or answered anyway.
    @NullEncoded public var unanswerable: UnanswerableProbe?
    /// The adapter's training (arms that answer with one).
    @NullEncoded public var training: AdapterTraining?
    /// Queries after which the arm's cheaper answers pay back its training CPU time against RAG.
    @NullEncoded public var breakEvenQueries: Double?
    /// Wall seconds answering (evaluation questions and probes).
    public var seconds: Double
    /// CPU seconds (all threads) per question asked, probes included.
    public var cpuSecondsPerQuery: Double

    private enum CodingKeys: String, CodingKey {
        case summary, byKind = "by_kind", probes, access, unanswerable, training, breakEvenQueries = "break_even_queries", seconds
        case cpuSecondsPerQuery = "cpu_seconds_per_query"
    }
}

/// Two strategies on the same questions: paired bootstrap differences, McNemar's exact test on
/// answer-contains, and the smallest difference this many questions could detect.
public struct PairComparison: Encodable, Sendable {
    public var difference: QADifference
    public var mcnemar: McNemarTest
    @NullEncoded public var minimumDetectableDifference: Double?

    private enum CodingKeys: String, CodingKey {
        case difference, mcnemar, minimumDetectableDifference = "minimum_detectable_difference"
    }
}

/// A strategy asked for but not run, and why.
public struct SkippedStrategy: Codable, Sendable, Equatable {
    public var strategy: String
    public var reason: String
}

/// `report.json` of `ragtune compare` (schema version 1; `docs/compare-report.md` documents it).
public struct CompareReport: Encodable, Sendable {
    public static let schemaVersion = 1

    public struct Questions: Codable, Sendable, Equatable {
        public var total, evaluation, training, restricted: Int
        /// Evaluation questions beyond `--max-questions`, not asked.
        public var overBudget: Int
        /// Evaluation questions whose `doc` is not among the indexed documents, not asked.
        public var withoutDocument: Int

        private enum CodingKeys: String, CodingKey {
            case total, evaluation, training, restricted, overBudget = "over_budget", withoutDocument = "without_document"
        }
    }

    public struct Index: Codable, Sendable, Equatable {
        public var documents, chunks: Int
        public var seconds: Double
        /// The store's size on disk: database, WAL and saved indexes.
        public var bytes: Int
    }

    public var schemaVersion = CompareReport.schemaVersion
    public var qa: String
    public var documents: [String]
    public var generator: String
    public var seed: UInt64
    public var questions: Questions
    public var index: Index
    /// Strategy name → results, for the strategies that ran, in `order`.
    public var strategies: [String: CompareStrategyResult]
    public var order: [String]
    public var skipped: [SkippedStrategy]
    /// "a - b" → comparison, for every pair in `order`.
    public var comparisons: [String: PairComparison]
    /// The freshness probe (`--updates`); null without one.
    @NullEncoded public var freshness: FreshnessProbe?
    /// General knowledge answered by the base model and with each adapter; null when no arm trains.
    @NullEncoded public var forgetting: ForgettingProbe?
    public var verdict: Verdict

    private enum CodingKeys: String, CodingKey {
        case schemaVersion = "schema_version", qa, documents, generator, seed, questions, index, strategies, order, skipped
        case comparisons, freshness, forgetting, verdict
    }
}
