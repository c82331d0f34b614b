import Foundation

/// A self-contained inline SVG line chart (no scripts, no external styles) for HTML reports:
/// one or more series over a shared x axis, with axis ticks and a legend.
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

    /// The `<svg>` element; a note instead when no series has a finite point.
    public func render() -> String {
        let points = series.flatMap(\.points).filter { $0.x.isFinite && $0.y.isFinite }
        guard let minX = points.map(\.x).min(), let maxX = points.map(\.x).max(),
              var minY = points.map(\.y).min(), var maxY = points.map(\.y).max() else {
            return "<p class=\"note\">\(Self.escape(title)): no data</p>"
        }
        if maxY - minY < 1e-12 { minY -= 0.5; maxY += 0.5 }
        let left = 64.0, right = 16.0, top = 28.0, bottom = 40.0
        let plotW = width - left - right, plotH = height - top - bottom
        func px(_ x: Double) -> Double { left + (maxX > minX ? (x - minX) / (maxX - minX) : 0.5) * plotW }
        func py(_ y: Double) -> Double { top + (1 - (y - minY) / (maxY - minY)) * plotH }
        var svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 \(Int(width)) \(Int(height))\" "
            + "width=\"\(Int(width))\" height=\"\(Int(height))\" role=\"img\" aria-label=\"\(Self.escape(title))\">"
        svg += "<text x=\"\(left)\" y=\"18\" font-size=\"14\" font-weight=\"bold\">\(Self.escape(title))</text>"
        svg += "<rect x=\"\(left)\" y=\"\(top)\" width=\"\(plotW)\" height=\"\(plotH)\" fill=\"none\" stroke=\"#ccc\"/>"
        for i in 0...4 {
            let y = minY + (maxY - minY) * Double(i) / 4, yy = py(y)
            svg += "<line x1=\"\(left)\" x2=\"\(left + plotW)\" y1=\"\(Self.f(yy))\" y2=\"\(Self.f(yy))\" stroke=\"#eee\"/>"
            svg += "<text x=\"\(left - 6)\" y=\"\(Self.f(yy + 4))\" font-size=\"11\" text-anchor=\"end\">\(Self.tick(y))</text>"
            let x = minX + (maxX - minX) * Double(i) / 4
            svg += "<text x=\"\(Self.f(px(x)))\" y=\"\(Self.f(top + plotH + 16))\" font-size=\"11\" "
                + "text-anchor=\"middle\">\(Self.tick(x))</text>"
        }
        svg += "<text x=\"\(Self.f(left + plotW / 2))\" y=\"\(Self.f(height - 4))\" font-size=\"12\" "
            + "text-anchor=\"middle\">\(Self.escape(xLabel))</text>"
        for (i, line) in series.enumerated() {
            let finite = line.points.filter { $0.x.isFinite && $0.y.isFinite }
            let path = finite.map { "\(Self.f(px($0.x))),\(Self.f(py($0.y)))" }.joined(separator: " ")
            if finite.count > 1 {
                svg += "<polyline fill=\"none\" stroke=\"\(line.color)\" stroke-width=\"2\" points=\"\(path)\"/>"
            }
            for point in finite where finite.count <= 60 {
                svg += "<circle cx=\"\(Self.f(px(point.x)))\" cy=\"\(Self.f(py(point.y)))\" r=\"2.5\" fill=\"\(line.color)\"/>"
            }
            let lx = left + plotW - 150, ly = top + 14 + Double(i) * 16
            svg += "<rect x=\"\(Self.f(lx))\" y=\"\(Self.f(ly - 9))\" width=\"12\" height=\"10\" fill=\"\(line.color)\"/>"
            svg += "<text x=\"\(Self.f(lx + 16))\" y=\"\(Self.f(ly))\" font-size=\"11\">\(Self.escape(line.name))</text>"
        }
        return svg + "</svg>"
    }

    /// Text escaped for HTML/SVG content and attributes.
    public static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }

    private static func f(_ v: Double) -> String { String(format: "%.1f", v) }

    private static func tick(_ v: Double) -> String {
        let a = abs(v)
        if a == 0 { return "0" }
        if a >= 1000 || a < 0.01 { return String(format: "%.2e", v) }
        return String(format: a >= 10 ? "%.1f" : "%.3f", v)
    }
}
