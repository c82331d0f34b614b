import Foundation

/// The pieces every chart shares: escaping, coordinates, the frame and the axes.
public enum SVG {
    /// Text escaped for HTML/SVG content and attributes.
    public static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }

    /// A coordinate with one decimal.
    static func f(_ v: Double) -> String { String(format: "%.1f", v) }

    /// The opening tag: scales down to the page width (phones), never up past its natural size.
    static func open(width: Double, height: Double, title: String) -> String {
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 \(Int(width)) \(Int(height))\" width=\"\(Int(width))\" "
            + "height=\"\(Int(height))\" style=\"max-width:100%;height:auto\" role=\"img\" aria-label=\"\(escape(title))\">"
            + "<text x=\"8\" y=\"18\" font-size=\"14\" font-weight=\"bold\">\(escape(title))</text>"
    }

    /// Horizontal grid lines and labels of `scale` on a plot area.
    static func yAxis(_ scale: AxisScale, left: Double, width: Double, y: (Double) -> Double) -> String {
        scale.ticks.map { tick in
            let yy = y(tick)
            return "<line x1=\"\(f(left))\" x2=\"\(f(left + width))\" y1=\"\(f(yy))\" y2=\"\(f(yy))\" stroke=\"#e5e5e5\"/>"
                + "<text x=\"\(f(left - 6))\" y=\"\(f(yy + 4))\" font-size=\"11\" text-anchor=\"end\">\(scale.label(tick))</text>"
        }.joined()
    }

    /// The frame of an x–y plot: its border, the y grid with labels, the x tick labels and the x axis label.
    static func xyFrame(x xs: AxisScale, y ys: AxisScale, left: Double, top: Double, width: Double, height: Double,
                        xLabel: String, bottomEdge: Double) -> String {
        func px(_ x: Double) -> Double { left + xs.position(x) * width }
        var svg = "<rect x=\"\(left)\" y=\"\(top)\" width=\"\(width)\" height=\"\(height)\" fill=\"none\" stroke=\"#ccc\"/>"
        svg += yAxis(ys, left: left, width: width) { top + (1 - ys.position($0)) * height }
        for tick in xs.ticks {
            svg += "<text x=\"\(f(px(tick)))\" y=\"\(f(top + height + 16))\" font-size=\"11\" text-anchor=\"middle\">\(xs.label(tick))</text>"
        }
        return svg + "<text x=\"\(f(left + width / 2))\" y=\"\(f(bottomEdge - 4))\" font-size=\"12\" text-anchor=\"middle\">\(escape(xLabel))</text>"
    }

    /// A y axis label, written upwards beside a plot area.
    static func yLabel(_ text: String, top: Double, height: Double) -> String {
        let middle = f(top + height / 2)
        return "<text x=\"12\" y=\"\(middle)\" font-size=\"11\" text-anchor=\"middle\" transform=\"rotate(-90 12 \(middle))\">\(escape(text))</text>"
    }

    /// A legend entry.
    static func legend(_ name: String, color: String, x: Double, y: Double) -> String {
        "<rect x=\"\(f(x))\" y=\"\(f(y - 9))\" width=\"12\" height=\"10\" fill=\"\(color)\"/>"
            + "<text x=\"\(f(x + 16))\" y=\"\(f(y))\" font-size=\"11\">\(escape(name))</text>"
    }

    /// A muted note in place of a chart without data.
    static func noData(_ title: String) -> String { "<p class=\"note\">\(escape(title)): no data</p>" }
}
