import Foundation

/// Exact McNemar test of two strategies' per-question correctness on the same questions (McNemar
/// 1947, exact binomial form): only the discordant questions count, those one strategy got right
/// and the other wrong; under "no difference" each is equally likely to favour either side, so the
/// two-sided p-value is twice the binomial(n, ½) tail of the smaller count (capped at 1).
public struct McNemarTest: Codable, Sendable, Equatable {
    /// Questions the first strategy got right and the second wrong.
    public var onlyFirst: Int
    /// Questions the second strategy got right and the first wrong.
    public var onlySecond: Int
    /// Two-sided exact p-value.
    public var pValue: Double

    private enum CodingKeys: String, CodingKey {
        case onlyFirst = "only_first", onlySecond = "only_second", pValue = "p_value"
    }

    /// Tests `first[i]` against `second[i]` (right or wrong on question `i`).
    /// - Throws: `EvaluationError.invalidArgument` when the lists differ in length.
    public init(_ first: [Bool], _ second: [Bool]) throws {
        guard first.count == second.count else {
            throw EvaluationError.invalidArgument("McNemar's test needs both strategies' results on the same questions (\(first.count) vs \(second.count))")
        }
        let pairs = zip(first, second)
        self.init(onlyFirst: pairs.filter { $0 && !$1 }.count, onlySecond: pairs.filter { !$0 && $1 }.count)
    }

    /// The test from the two discordant counts.
    public init(onlyFirst: Int, onlySecond: Int) {
        self.onlyFirst = onlyFirst
        self.onlySecond = onlySecond
        pValue = Self.exactPValue(onlyFirst, onlySecond)
    }

    /// min(1, 2 · P(X ≤ min(b, c))) for X ~ Binomial(b + c, ½); 1 when there is no discordant question.
    static func exactPValue(_ b: Int, _ c: Int) -> Double {
        let n = b + c, k = min(b, c)
        guard n > 0 else { return 1 }
        let logHalfPower = Double(n) * log(0.5)
        // log C(n, i) accumulated term by term: C(n, i) = C(n, i−1) · (n − i + 1) / i.
        var logChoose = 0.0, tail = 0.0
        for i in 0...k {
            if i > 0 { logChoose += log(Double(n - i + 1)) - log(Double(i)) }
            tail += exp(logChoose + logHalfPower)
        }
        return min(1, 2 * tail)
    }
}

/// The smallest difference in accuracy a paired comparison of `count` questions could detect with
/// a two-sided 5% test at 80% power, given how often the two strategies disagreed
/// (`discordantShare`) and by how much (`difference`): (z₀.₉₇₅ + z₀.₈) · sd(dᵢ) / √n, with
/// sd(dᵢ)² = discordant share − difference² for per-question differences dᵢ ∈ {−1, 0, 1}. Nil when
/// the strategies never disagreed (no spread to size a difference from).
public func minimumDetectableDifference(count: Int, discordantShare: Double, difference: Double) -> Double? {
    let variance = discordantShare - difference * difference
    guard count > 0, discordantShare > 0, variance > 0 else { return nil }
    return (1.959964 + 0.841621) * (variance / Double(count)).squareRoot()
}
