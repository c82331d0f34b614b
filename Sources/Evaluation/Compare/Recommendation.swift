import Foundation

/// What the recommendation weighs of one strategy: per-question correctness on the shared
/// evaluation questions and the costs of getting there.
public struct StrategyOutcome: Sendable {
    public var name: String
    /// Whether each evaluation question was answered right (answer-contains), in question order.
    public var correct: [Bool]
    /// Median seconds per answer.
    public var latencyP50: Double
    /// Prompt plus completion tokens per answer.
    public var tokensPerQuery: Double
    /// CPU seconds spent training before the first answer (0 for strategies that do not train).
    public var trainingSeconds: Double
    /// Restricted facts an outsider got answered, of those asked (nil when not probed).
    public var leaks: Int?
    public var restrictedAsked = 0
    /// The unanswerable probe (nil when not run).
    public var unanswerable: UnanswerableProbe?

    public init(name: String, correct: [Bool], latencyP50: Double, tokensPerQuery: Double, trainingSeconds: Double = 0,
                leaks: Int? = nil, restrictedAsked: Int = 0, unanswerable: UnanswerableProbe? = nil) {
        self.name = name
        self.correct = correct
        self.latencyP50 = latencyP50
        self.tokensPerQuery = tokensPerQuery
        self.trainingSeconds = trainingSeconds
        self.leaks = leaks
        self.restrictedAsked = restrictedAsked
        self.unanswerable = unanswerable
    }

    var accuracy: Double { correct.isEmpty ? 0 : Double(correct.filter { $0 }.count) / Double(correct.count) }
}

/// The verdict of a comparison: the strategy to use and the measured claims behind it.
public struct Verdict: Codable, Sendable, Equatable {
    /// The strategy recommended.
    public var choice: String
    /// Whether `choice` is significantly more accurate than every other eligible strategy
    /// (paired bootstrap interval above zero and McNemar p < 0.05); false when it won a tie on cost.
    public var significant: Bool
    /// Strategies excluded because they leaked restricted facts to an outsider.
    public var excluded: [String]
    /// One sentence per claim, each citing its measured number.
    public var claims: [String]

    public init(choice: String, significant: Bool, excluded: [String], claims: [String]) {
        self.choice = choice
        self.significant = significant
        self.excluded = excluded
        self.claims = claims
    }

    /// The claims as one paragraph.
    public var text: String { claims.joined(separator: " ") }
}

/// Rules that turn measured outcomes into a recommendation (issue #16's trade-offs, in order):
/// 1. A strategy that let an outsider get restricted facts answered is not eligible while another
///    one leaked nothing (access control is a requirement, not a trade-off).
/// 2. Among the eligible, the most accurate wins when it beats each other one significantly
///    (paired bootstrap 95% interval of the answer-contains difference above zero and exact
///    McNemar p < 0.05).
/// 3. Otherwise the strategies it does not beat significantly tie with it, and the cheapest of
///    them wins: least training time, then fewest tokens per query, then lowest median latency.
/// Every claim cites its number, interval or p-value.
public enum Recommendation {
    public static func decide(_ outcomes: [StrategyOutcome], seed: UInt64) throws -> Verdict {
        guard let count = outcomes.first?.correct.count, count > 0 else {
            throw EvaluationError.invalidArgument("a recommendation needs at least one strategy with answers")
        }
        guard outcomes.allSatisfy({ $0.correct.count == count }) else {
            throw EvaluationError.invalidArgument("every strategy must answer the same questions")
        }
        var claims: [String] = []
        let safe = outcomes.filter { ($0.leaks ?? 0) == 0 }
        let excluded = safe.isEmpty ? [] : outcomes.filter { ($0.leaks ?? 0) > 0 }
        let eligible = safe.isEmpty ? outcomes : safe
        let byAccuracy = eligible.sorted { $0.accuracy != $1.accuracy ? $0.accuracy > $1.accuracy : cheaper($0, than: $1) }
        let best = byAccuracy[0]
        var tied = [best], beaten: [(StrategyOutcome, ConfidenceInterval, McNemarTest)] = []
        for other in byAccuracy.dropFirst() {
            let difference = try Bootstrap.pairedDifferenceInterval(best.correct.map(number), other.correct.map(number), seed: seed)
            let test = try McNemarTest(best.correct, other.correct)
            if difference.lower > 0 && test.pValue < 0.05 { beaten.append((other, difference, test)) } else { tied.append(other) }
            if other.name == byAccuracy[1].name {
                if tied.count == 1 {
                    claims.append("Use \(best.name): \(signed(difference.estimate)) answer-contains over \(other.name) \(range(difference)) (McNemar \(p(test.pValue)), \(count) questions).")
                } else {
                    claims.append("No significant difference between \(best.name) and \(other.name): \(signed(difference.estimate)) answer-contains \(range(difference)) (McNemar \(p(test.pValue)), \(count) questions).")
                }
            }
        }
        let choice = tied.min { cheaper($0, than: $1) }!
        if byAccuracy.count == 1 {
            claims.append("Use \(best.name): the only strategy measured (\(fraction(best.accuracy)) answer-contains).")
        } else if tied.count > 1 {
            let others = tied.filter { $0.name != choice.name }.map(\.name).joined(separator: ", ")
            claims.append("Use \(choice.name) on cost: \(costClaim(choice)), against \(others) (\(tied.filter { $0.name != choice.name }.map(costClaim).joined(separator: "; "))).")
        }
        for (other, difference, test) in beaten.dropFirst() where tied.count == 1 {
            claims.append("Also ahead of \(other.name): \(signed(difference.estimate)) \(range(difference)), McNemar \(p(test.pValue)).")
        }
        for outcome in outcomes where outcome.restrictedAsked > 0 {
            guard let leaks = outcome.leaks else { continue }
            claims.append(leaks == 0
                ? "\(outcome.name) leaked 0 of \(outcome.restrictedAsked) restricted facts to an outsider."
                : "\(outcome.name) leaked \(leaks) of \(outcome.restrictedAsked) restricted facts to an outsider\(excluded.contains { $0.name == outcome.name } ? " and is not recommended" : "").")
        }
        let probed = outcomes.filter { $0.unanswerable != nil }
        if let asked = probed.first?.unanswerable?.asked, asked > 0 {
            claims.append("Asked \(asked) questions about things the documents do not contain, "
                          + probed.map { "\($0.name) refused \($0.unanswerable!.refused) and answered \($0.unanswerable!.answered) anyway" }
                            .joined(separator: "; ") + ".")
        }
        return Verdict(choice: choice.name, significant: tied.count == 1 && byAccuracy.count > 1, excluded: excluded.map(\.name),
                       claims: claims)
    }

    /// What a knowledge update did to each arm, as claims: the arms that read documents after one
    /// re-index, then the others, which keep their old answers until retrained.
    /// `retraining`: seconds an arm's adapter took to train, which an update would cost again.
    public static func freshnessClaims(_ probe: FreshnessProbe, order: [String], retraining: [String: Double] = [:]) -> [String] {
        let reread = order.filter { probe.arms[$0]?.after != nil }, stale = order.filter { probe.arms[$0] != nil && probe.arms[$0]?.after == nil }
        var claims: [String] = []
        for name in reread {
            guard let arm = probe.arms[name], let after = arm.after else { continue }
            claims.append("After the knowledge update (\(probe.changedQuestions) changed facts), \(name) answered \(fraction(after.mean)) "
                          + "[\(fraction(after.lower)), \(fraction(after.upper))] of them right after one re-index of \(probe.updatedDocuments) documents "
                          + String(format: "(%.1f s)", probe.reindexSeconds) + ", against \(fraction(arm.before.mean)) before it.")
        }
        if !stale.isEmpty {
            claims.append("Without documents to re-read, " + stale.map { "\($0) answered \(fraction(probe.arms[$0]!.before.mean))" }.joined(separator: " and ")
                          + " of the changed facts" + stale.compactMap { name in
                              retraining[name].map { String(format: "; %@ would need its adapter retrained (%.0f s)", name, $0) }
                          }.joined() + ".")
        }
        return claims
    }

    /// What each adapter learned, as a claim by the first arm in `order` that answers with it: the
    /// training facts asked in the trained wording, paraphrased and reversed, the epochs and the
    /// training time, and its accuracy on the evaluation facts it never saw; and what the adapters
    /// cost in general knowledge.
    public static func adapterClaims(_ strategies: [String: CompareStrategyResult], order: [String],
                                     forgetting: ForgettingProbe? = nil) -> [String] {
        var adapters = Set<String>()
        // One claim per adapter, by the first arm that answers with it (lora-qa, not lora+rag).
        let claims = order.compactMap { name -> String? in
            guard let arm = strategies[name], let training = arm.training, let probes = arm.probes,
                  adapters.insert(training.adapter).inserted else { return nil }
            let asked = [("trained", "of the trained questions"), ("paraphrase", "of their paraphrases"), ("reversal", "of the reversed questions")]
                .compactMap { group, what in
                    probes[group].map { "\(fraction($0.answerContains.mean)) [\(fraction($0.answerContains.lower)), \(fraction($0.answerContains.upper))] \(what) (\($0.questions))" }
                }
            return "\(name), trained \(String(format: "%.0f", training.epochs)) epochs on \(training.trainedOn) "
                + "in \(String(format: "%.0f", training.seconds)) s (\(String(format: "%.0f", training.cpuSeconds)) CPU s), answered "
                + asked.joined(separator: ", ")
                + (training.documentChunks != nil ? "; on the evaluation questions, whose facts were in the documents it trained on, "
                                                  : "; on the evaluation facts it was never trained on, ")
                + "\(fraction(arm.summary.answerContains.mean))."
        }
        return claims.isEmpty ? [] : claims + forgettingClaims(forgetting)
    }

    /// The general-knowledge questions answered by the base model and with each adapter.
    static func forgettingClaims(_ probe: ForgettingProbe?) -> [String] {
        guard let probe, !probe.adapters.isEmpty else { return [] }
        return ["On \(probe.questions) general-knowledge questions the base model answered \(fraction(probe.base.mean)), "
                + probe.adapters.sorted { $0.key < $1.key }.map { "with the \($0.key) adapter \(fraction($0.value.mean)) "
                    + "[\(fraction($0.value.lower)), \(fraction($0.value.upper))]" }.joined(separator: ", ") + "."]
    }

    static func cheaper(_ a: StrategyOutcome, than b: StrategyOutcome) -> Bool {
        if a.trainingSeconds != b.trainingSeconds { return a.trainingSeconds < b.trainingSeconds }
        if a.tokensPerQuery != b.tokensPerQuery { return a.tokensPerQuery < b.tokensPerQuery }
        return a.latencyP50 < b.latencyP50
    }

    static func costClaim(_ o: StrategyOutcome) -> String {
        let training = o.trainingSeconds > 0 ? String(format: "%.0f s training, ", o.trainingSeconds) : "no training, "
        return training + String(format: "%.0f tokens and %.2f s per answer", o.tokensPerQuery, o.latencyP50)
    }

    static func number(_ flag: Bool) -> Double { flag ? 1 : 0 }
    static func signed(_ x: Double) -> String { String(format: "%+.2f", x) }
    static func fraction(_ x: Double) -> String { String(format: "%.2f", x) }
    static func range(_ c: ConfidenceInterval) -> String { String(format: "[%+.2f, %+.2f]", c.lower, c.upper) }
    static func p(_ value: Double) -> String { value < 0.001 ? "p < 0.001" : String(format: "p = %.3f", value) }
}
