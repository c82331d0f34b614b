import Testing
@testable import RagTuneCharts

/// What the charts draw: only series with data in legends, whiskers for intervals, escaped text.
@Suite struct SVGChartTests {
    @Test func aSeriesWithoutDataHasNoLegendEntry() {
        let chart = SVGLineChart(title: "Loss", xLabel: "step", series: [
            .init(name: "train", color: "#36c", points: [(1, 2.0), (2, 1.0)]),
            .init(name: "eval", color: "#e65", points: []),
        ]).render()
        #expect(chart.contains(">train</text>") && !chart.contains(">eval</text>"))
        #expect(chart.contains("max-width:100%"))
        #expect(SVGLineChart(title: "Loss", xLabel: "step", series: []).render().contains("no data"))
    }

    @Test func barsStartAtZeroAndDrawTheirIntervals() {
        let chart = SVGBarChart(title: "Accuracy <95% CI>", groups: ["closed-book", "rag"], series: [
            .init(name: "answer-contains", color: "#36c", bars: [.init(0.0), .init(0.91, lower: 0.87, upper: 0.94)]),
        ]).render()
        #expect(chart.contains("Accuracy &lt;95% CI&gt;"))
        #expect(chart.components(separatedBy: "<rect").count - 1 == 2)
        // One whisker (a vertical line and two caps) for the bar with an interval.
        #expect(chart.components(separatedBy: "stroke=\"#333\"").count - 1 == 3)
        #expect(chart.contains(">0.00</text>") || chart.contains(">0</text>") || chart.contains(">0.0</text>"))
        #expect(!chart.contains("answer-contains</text>"), "one series: no legend")
    }

    @Test func scatterLabelsEachPoint() {
        let chart = SVGScatterChart(title: "Latency vs accuracy", xLabel: "s", yLabel: "acc", points: [
            .init(label: "rag", x: 0.4, y: 0.9, color: "#36c"), .init(label: "closed-book", x: 0.2, y: 0, color: "#999"),
        ]).render()
        #expect(chart.contains(">rag</text>") && chart.contains(">closed-book</text>"))
        #expect(chart.components(separatedBy: "<circle").count - 1 == 2)
    }
}
