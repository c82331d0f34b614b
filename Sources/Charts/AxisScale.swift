import Foundation

/// A chart axis that fits its data: a range from a round tick below the smallest value to a round
/// tick above the largest, ticks at steps of 1, 2, 2.5 or 5 × 10ⁿ, and labels with just the
/// decimals the step needs ("50", "100", "150"; "0.0015", "0.0020"). A constant series gets a
/// range around its value (a constant 0.002 spans 0.001 to 0.003), never a −0.5…0.5 box.
public struct AxisScale: Sendable, Equatable {
    public var lower: Double
    public var upper: Double
    public var step: Double
    public var ticks: [Double]

    /// The scale of `values` (non-finite ones ignored; none at all gives 0…1).
    /// - Parameters:
    ///   - includingZero: bars start at zero, so their axis must show it.
    ///   - targetTicks: about how many ticks to draw.
    ///   - integers: the values are counts (steps, epochs): ticks at whole numbers, steps of 1, 2 or 5 × 10ⁿ.
    public init(fitting values: [Double], includingZero: Bool = false, targetTicks: Int = 5, integers: Bool = false) {
        let finite = values.filter(\.isFinite)
        var low = finite.min() ?? 0, high = finite.max() ?? 1
        if includingZero { low = min(low, 0); high = max(high, 0) }
        if high - low <= 1e-12 * max(abs(high), 1) {
            let half = low == 0 ? 0.5 : abs(low) / 2
            (low, high) = includingZero && low >= 0 ? (0, low == 0 ? 1 : 2 * low) : (low - half, high + half)
        }
        let raw = (high - low) / Double(max(targetTicks - 1, 1))
        let step = integers ? max(1, Self.niceStep(raw, allowingQuarter: false)) : Self.niceStep(raw)
        let lower = (low / step).rounded(.down) * step, upper = (high / step).rounded(.up) * step
        let count = Int(((upper - lower) / step).rounded())
        self.step = step
        self.lower = lower
        self.upper = upper
        ticks = (0...count).map { lower + Double($0) * step }
    }

    /// The round step nearest above `raw`: 1, 2, 2.5 or 5 × 10ⁿ (without 2.5 when `allowingQuarter` is false).
    static func niceStep(_ raw: Double, allowingQuarter: Bool = true) -> Double {
        guard raw > 0, raw.isFinite else { return 1 }
        let magnitude = pow(10, (log10(raw)).rounded(.down))
        let fraction = raw / magnitude
        let quarter = allowingQuarter && fraction > 2 + 1e-9 && fraction <= 2.5 + 1e-9
        let nice = fraction <= 1 + 1e-9 ? 1 : fraction <= 2 + 1e-9 ? 2 : quarter ? 2.5 : fraction <= 5 + 1e-9 ? 5 : 10
        return nice * magnitude
    }

    /// Where `value` falls on the axis, 0 at `lower` and 1 at `upper`.
    public func position(_ value: Double) -> Double { (value - lower) / (upper - lower) }

    /// A tick label with the decimals the step needs (scientific notation for very large or small steps).
    public func label(_ value: Double) -> String {
        if step >= 1e6 || step < 1e-5 { return String(format: "%.2g", value) }
        var decimals = 0
        var scaled = step
        while decimals < 6 && abs(scaled - scaled.rounded()) > 1e-9 * max(1, abs(scaled)) {
            scaled *= 10
            decimals += 1
        }
        let text = String(format: "%.\(decimals)f", value)
        return text.hasPrefix("-") && Double(text) == 0 ? String(text.dropFirst()) : text
    }
}
