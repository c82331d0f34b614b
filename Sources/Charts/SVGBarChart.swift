import Foundation

/// A self-contained inline SVG bar chart: groups along the x axis (strategies, or kinds of
/// question), one bar per series in each group, optional interval whiskers (95% CIs), an axis from
/// zero with round ticks, and a legend when there is more than one series.
public struct SVGBarChart: Sendable {
    /// One bar: its value and, optionally, the interval drawn as a whisker.
    public struct Bar: Sendable {
        public var value: Double
        public var lower: Double?
        public var upper: Double?

        public init(_ value: Double, lower: Double? = nil, upper: Double? = nil) {
            self.value = value
            self.lower = lower
            self.upper = upper
        }
    }

    /// One series: its legend name, CSS colour, and a bar per group (nil: no bar in that group).
    public struct Series: Sendable {
        public var name: String
        public var color: String
        public var bars: [Bar?]

        public init(name: String, color: String, bars: [Bar?]) {
            self.name = name
            self.color = color
            self.bars = bars
        }
    }

    public var title: String
    public var groups: [String]
    public var series: [Series]
    public var yLabel: String
    public var width = 640.0
    public var height = 280.0

    public init(title: String, groups: [String], series: [Series], yLabel: String = "") {
        self.title = title
        self.groups = groups
        self.series = series
        self.yLabel = yLabel
    }

    /// The `<svg>` element; a note instead when there is no finite bar.
    public func render() -> String {
        let values = series.flatMap { $0.bars.compactMap { $0 }.flatMap { [$0.value, $0.lower, $0.upper].compactMap { $0 } } }.filter(\.isFinite)
        guard !values.isEmpty, !groups.isEmpty else { return SVG.noData(title) }
        let scale = AxisScale(fitting: values, includingZero: true)
        let left = 56.0, right = 12.0, top = series.count > 1 ? 44.0 : 30.0, bottom = 44.0
        let plotW = width - left - right, plotH = height - top - bottom
        func py(_ y: Double) -> Double { top + (1 - scale.position(y)) * plotH }
        var svg = SVG.open(width: width, height: height, title: title)
        svg += SVG.yAxis(scale, left: left, width: plotW, y: py)
        if !yLabel.isEmpty {
            svg += SVG.yLabel(yLabel, top: top, height: plotH)
        }
        let groupW = plotW / Double(groups.count), barW = min(48, groupW * 0.8 / Double(max(series.count, 1)))
        for (g, group) in groups.enumerated() {
            let start = left + Double(g) * groupW + (groupW - barW * Double(series.count)) / 2
            for (s, line) in series.enumerated() {
                guard g < line.bars.count, let bar = line.bars[g], bar.value.isFinite else { continue }
                let x = start + Double(s) * barW, y0 = py(0), y1 = py(bar.value)
                svg += "<rect x=\"\(SVG.f(x + 1))\" y=\"\(SVG.f(min(y0, y1)))\" width=\"\(SVG.f(barW - 2))\" "
                    + "height=\"\(SVG.f(abs(y0 - y1)))\" fill=\"\(line.color)\"><title>\(SVG.escape("\(line.name) \(group): \(scale.label(bar.value))"))</title></rect>"
                if let lower = bar.lower, let upper = bar.upper, lower.isFinite, upper.isFinite {
                    let cx = x + barW / 2
                    svg += "<line x1=\"\(SVG.f(cx))\" x2=\"\(SVG.f(cx))\" y1=\"\(SVG.f(py(lower)))\" y2=\"\(SVG.f(py(upper)))\" stroke=\"#333\"/>"
                    for end in [lower, upper] {
                        svg += "<line x1=\"\(SVG.f(cx - 4))\" x2=\"\(SVG.f(cx + 4))\" y1=\"\(SVG.f(py(end)))\" y2=\"\(SVG.f(py(end)))\" stroke=\"#333\"/>"
                    }
                }
            }
            svg += "<text x=\"\(SVG.f(left + (Double(g) + 0.5) * groupW))\" y=\"\(SVG.f(top + plotH + 16))\" font-size=\"11\" "
                + "text-anchor=\"middle\">\(SVG.escape(group))</text>"
        }
        svg += "<line x1=\"\(left)\" x2=\"\(SVG.f(left + plotW))\" y1=\"\(SVG.f(py(0)))\" y2=\"\(SVG.f(py(0)))\" stroke=\"#999\"/>"
        if series.count > 1 {
            // Entries side by side, each as wide as its name (about 6.5 px a character at 11 px).
            var x = left
            for line in series where line.bars.contains(where: { $0 != nil }) {
                svg += SVG.legend(line.name, color: line.color, x: x, y: 36)
                x += 16 + 6.5 * Double(line.name.count) + 18
            }
        }
        return svg + "</svg>"
    }
}
