/// Counts of one target's crash trials; `failures` is what must stay 0.
public struct CrashReport: Encodable, Sendable {
    public var trials = 0, killed = 0, finishedBeforeKill = 0
    /// Target-specific counts (documents committed before kills, checkpoints resumed, …), written
    /// as keys of their own beside the fixed ones.
    public var counts: [String: Int] = [:]
    /// Failure kind → count.
    public var failureCounts: [String: Int] = [:]
    /// The first ten failures, "kind: detail".
    public var failureDetails: [String] = []
    public var seconds = 0.0
    /// Why the target did not run (the key is absent when it ran).
    public var skipped: String?

    /// An empty report: no trials, no failures.
    public init() {}

    /// Failed checks in all.
    public var failures: Int { failureCounts.values.reduce(0, +) }

    mutating func fail(_ kind: String, _ detail: String) {
        failureCounts[kind, default: 0] += 1
        if failureDetails.count < 10 { failureDetails.append("\(kind): \(detail)") }
    }

    /// `trials`, `killed`, `finished_before_kill`, `failures`, `failure_counts`, `failure_details`,
    /// `seconds`, each of `counts`, and `skipped` when set.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: BenchCodingKey.self)
        for (key, value) in counts { try container.encode(value, forKey: BenchCodingKey(key)) }
        try container.encode(trials, forKey: BenchCodingKey("trials"))
        try container.encode(killed, forKey: BenchCodingKey("killed"))
        try container.encode(finishedBeforeKill, forKey: BenchCodingKey("finished_before_kill"))
        try container.encode(failures, forKey: BenchCodingKey("failures"))
        try container.encode(failureCounts, forKey: BenchCodingKey("failure_counts"))
        try container.encode(failureDetails, forKey: BenchCodingKey("failure_details"))
        try container.encode(seconds, forKey: BenchCodingKey("seconds"))
        try container.encodeIfPresent(skipped, forKey: BenchCodingKey("skipped"))
    }

    /// One line for the text report.
    public var line: String {
        if let skipped { return "skipped: \(skipped)" }
        let extra = counts.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
        return String(format: "%d trials (%d killed, %d finished first), %@; %d failures %@, %.0f s", trials, killed,
                      finishedBeforeKill, extra, failures, failureCounts.description, seconds)
    }
}
