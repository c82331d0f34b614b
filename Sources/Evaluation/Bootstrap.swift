import RagTuneTensor

/// A confidence interval for a mean (or a difference of means), from a percentile bootstrap.
public struct ConfidenceInterval: Sendable, Equatable {
    /// The statistic on the original sample (the mean, or the mean difference).
    public let estimate: Double
    public let lower: Double
    public let upper: Double
    /// Coverage, e.g. 0.95.
    public let level: Double

    /// `true` when the whole interval lies strictly above or strictly below zero.
    public var excludesZero: Bool { lower > 0 || upper < 0 }
}

/// Seeded percentile bootstrap over per-query values (Efron & Tibshirani 1993, ch. 13): resample the
/// queries with replacement, take the mean of each resample, and read the interval off the
/// (1−level)/2 and (1+level)/2 quantiles of those means (linear interpolation between order
/// statistics, as `numpy.percentile`'s default). The same seed gives the same interval.
public enum Bootstrap {
    /// Interval for the mean of `values`.
    /// - Parameters:
    ///   - values: one value per query (e.g. `RetrievalReport.values(of: "NDCG@10")`).
    ///   - level: coverage in (0, 1); 0.95 by default.
    ///   - resamples: number of bootstrap resamples (1000 by default).
    ///   - seed: seed of the `SplitMix64` generator that draws the resamples.
    /// - Throws: `EvaluationError.invalidArgument` for no values, a non-finite value, a level
    ///   outside (0, 1) or fewer than one resample.
    public static func meanInterval(_ values: [Double], level: Double = 0.95, resamples: Int = 1000,
                                    seed: UInt64) throws -> ConfidenceInterval {
        try check(values, name: "values", level: level, resamples: resamples)
        return interval(values, level: level, resamples: resamples, seed: seed)
    }

    /// Paired bootstrap interval for mean(`a`) − mean(`b`), where `a[i]` and `b[i]` are two systems'
    /// values on the same query `i`: each resample draws query indices once and uses them for both
    /// systems (equivalently, it resamples the per-query differences).
    /// - Throws: `EvaluationError.invalidArgument` when the arrays differ in length, plus the cases of
    ///   `meanInterval`.
    public static func pairedDifferenceInterval(_ a: [Double], _ b: [Double], level: Double = 0.95,
                                                resamples: Int = 1000, seed: UInt64) throws -> ConfidenceInterval {
        guard a.count == b.count else {
            throw EvaluationError.invalidArgument("paired bootstrap needs one value per query for both systems (\(a.count) vs \(b.count))")
        }
        try check(a, name: "first system's values", level: level, resamples: resamples)
        try check(b, name: "second system's values", level: level, resamples: resamples)
        return interval(zip(a, b).map { $0 - $1 }, level: level, resamples: resamples, seed: seed)
    }

    /// Quantile `q` in [0, 1] of ascending, non-empty `sorted`, interpolating linearly between order
    /// statistics (numpy's default percentile).
    public static func quantile(_ sorted: [Double], _ q: Double) -> Double {
        let position = q * Double(sorted.count - 1)
        let below = Int(position.rounded(.down))
        let above = min(below + 1, sorted.count - 1)
        return sorted[below] + (position - Double(below)) * (sorted[above] - sorted[below])
    }

    private static func interval(_ values: [Double], level: Double, resamples: Int, seed: UInt64) -> ConfidenceInterval {
        var generator = SplitMix64(seed: seed)
        let n = values.count
        var means = [Double](repeating: 0, count: resamples)
        for r in 0..<resamples {
            var sum = 0.0
            for _ in 0..<n { sum += values[Int(generator.next(upperBound: UInt64(n)))] }
            means[r] = sum / Double(n)
        }
        means.sort()
        let alpha = (1 - level) / 2
        return ConfidenceInterval(estimate: values.reduce(0, +) / Double(n),
                                  lower: quantile(means, alpha), upper: quantile(means, 1 - alpha), level: level)
    }

    private static func check(_ values: [Double], name: String, level: Double, resamples: Int) throws {
        guard !values.isEmpty else { throw EvaluationError.invalidArgument("bootstrap of no \(name)") }
        if let bad = values.firstIndex(where: { !$0.isFinite }) {
            throw EvaluationError.invalidArgument("\(name)[\(bad)] is \(values[bad]), not a finite number")
        }
        guard level > 0, level < 1 else {
            throw EvaluationError.invalidArgument("confidence level \(level) must be between 0 and 1")
        }
        guard resamples >= 1 else { throw EvaluationError.invalidArgument("resamples \(resamples) must be at least 1") }
    }
}
