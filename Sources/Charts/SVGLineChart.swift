import Foundation

/// A self-contained inline SVG line chart (no scripts, no external styles) for HTML reports:
/// one or more series over a shared x axis, with round ticks on both axes and a legend of the
/// series that have data.
public struct SVGLineChart: Sendable {
    /// One line: its legend name, CSS colour and (x, y) points in x order.
    public struct Series: Sendable {
        public var name: String
        public var color: String
        public var points: [(x: Double, y: Double)]

        public init(name: String, color: String, points: [(x: Double, y: Double)]) {
            self.name = name
            self.color = color
            self.points = points
        }
    }

    public var title: String
    public var xLabel: String
    public var series: [Series]
    public var width = 640.0
    public var height = 260.0

    public init(title: String, xLabel: String, series: [Series]) {
        self.title = title
        self.xLabel = xLabel
        self.series = series
    }

    /// Text escaped for HTML/SVG content and attributes.
    public static func escape(_ text: String) -> String { SVG.escape(text) }

    /// The `<svg>` element; a note instead when no series has a finite point.
    public func render() -> String {
        let drawn = series.map { line in (line, line.points.filter { $0.x.isFinite && $0.y.isFinite }) }.filter { !$0.1.isEmpty }
        let points = drawn.flatMap(\.1)
        guard !points.isEmpty else { return SVG.noData(title) }
        let wholeX = points.allSatisfy { $0.x == $0.x.rounded() }
        let xs = AxisScale(fitting: points.map(\.x), integers: wholeX), ys = AxisScale(fitting: points.map(\.y))
        let left = 64.0, right = 16.0, top = 28.0, bottom = 40.0
        let plotW = width - left - right, plotH = height - top - bottom
        func px(_ x: Double) -> Double { left + xs.position(x) * plotW }
        func py(_ y: Double) -> Double { top + (1 - ys.position(y)) * plotH }
        var svg = SVG.open(width: width, height: height, title: title)
        svg += SVG.xyFrame(x: xs, y: ys, left: left, top: top, width: plotW, height: plotH, xLabel: xLabel, bottomEdge: height)
        for (i, (line, finite)) in drawn.enumerated() {
            let path = finite.map { "\(SVG.f(px($0.x))),\(SVG.f(py($0.y)))" }.joined(separator: " ")
            if finite.count > 1 {
                svg += "<polyline fill=\"none\" stroke=\"\(line.color)\" stroke-width=\"2\" points=\"\(path)\"/>"
            }
            for point in finite where finite.count <= 60 {
                svg += "<circle cx=\"\(SVG.f(px(point.x)))\" cy=\"\(SVG.f(py(point.y)))\" r=\"2.5\" fill=\"\(line.color)\"/>"
            }
            svg += SVG.legend(line.name, color: line.color, x: left + plotW - 150, y: top + 14 + Double(i) * 16)
        }
        return svg + "</svg>"
    }
}
