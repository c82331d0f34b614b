import Foundation

/// A self-contained inline SVG scatter chart of labelled points (a strategy's latency against its
/// accuracy), with round ticks on both axes.
public struct SVGScatterChart: Sendable {
    public struct Point: Sendable {
        public var label: String
        public var x: Double
        public var y: Double
        public var color: String

        public init(label: String, x: Double, y: Double, color: String) {
            self.label = label
            self.x = x
            self.y = y
            self.color = color
        }
    }

    public var title: String
    public var xLabel: String
    public var yLabel: String
    public var points: [Point]
    public var width = 640.0
    public var height = 280.0

    public init(title: String, xLabel: String, yLabel: String, points: [Point]) {
        self.title = title
        self.xLabel = xLabel
        self.yLabel = yLabel
        self.points = points
    }

    /// The `<svg>` element; a note instead when no point is finite.
    public func render() -> String {
        let finite = points.filter { $0.x.isFinite && $0.y.isFinite }
        guard !finite.isEmpty else { return SVG.noData(title) }
        let xs = AxisScale(fitting: finite.map(\.x), includingZero: true), ys = AxisScale(fitting: finite.map(\.y), includingZero: true)
        let left = 56.0, right = 24.0, top = 30.0, bottom = 40.0
        let plotW = width - left - right, plotH = height - top - bottom
        func px(_ x: Double) -> Double { left + xs.position(x) * plotW }
        func py(_ y: Double) -> Double { top + (1 - ys.position(y)) * plotH }
        var svg = SVG.open(width: width, height: height, title: title)
        svg += SVG.xyFrame(x: xs, y: ys, left: left, top: top, width: plotW, height: plotH, xLabel: xLabel, bottomEdge: height)
        svg += SVG.yLabel(yLabel, top: top, height: plotH)
        for point in finite {
            let x = px(point.x), y = py(point.y)
            svg += "<circle cx=\"\(SVG.f(x))\" cy=\"\(SVG.f(y))\" r=\"5\" fill=\"\(point.color)\"/>"
            let anchor = x > left + plotW * 0.75 ? "end" : "start"
            svg += "<text x=\"\(SVG.f(anchor == "end" ? x - 8 : x + 8))\" y=\"\(SVG.f(y - 6))\" font-size=\"11\" text-anchor=\"\(anchor)\">\(SVG.escape(point.label))</text>"
        }
        return svg + "</svg>"
    }
}
