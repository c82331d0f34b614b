import Testing
@testable import RagTuneCharts

/// Axes that fit the data with round ticks (the fine-tune report once showed ticks at
/// 50.8/100.5/150.2 and drew a constant learning rate on a −0.498…0.502 axis).
@Suite struct AxisScaleTests {
    @Test func ticksAreRoundValuesCoveringTheData() {
        let steps = AxisScale(fitting: [1, 200])
        #expect(steps.ticks == [0, 50, 100, 150, 200] && steps.ticks.map(steps.label) == ["0", "50", "100", "150", "200"])
        let losses = AxisScale(fitting: [0.093, 2.49])
        // A span of 2.4 over about 4 intervals: steps of 1 (0.6 rounds up to 1, not down to 0.5).
        #expect(losses.lower == 0 && losses.upper == 3 && losses.ticks.map(losses.label) == ["0", "1", "2", "3"])
        let rates = AxisScale(fitting: [0.0001, 0.0004])
        #expect(rates.ticks.map(rates.label) == ["0.0001", "0.0002", "0.0003", "0.0004"])
        let accuracy = AxisScale(fitting: [0.874, 0.939, 0], includingZero: true)
        #expect(accuracy.lower == 0 && accuracy.upper == 1 && accuracy.step == 0.25)
    }

    @Test func aConstantSeriesGetsARangeAroundItsValue() {
        let rate = AxisScale(fitting: [0.002, 0.002, 0.002])
        #expect(rate.lower <= 0.001 + 1e-12 && rate.upper >= 0.003 - 1e-12 && rate.lower > 0)
        #expect(rate.ticks.map(rate.label).allSatisfy { $0.hasPrefix("0.00") })
        #expect(AxisScale(fitting: [0, 0], includingZero: true).upper == 1)
        #expect(AxisScale(fitting: [5], includingZero: true).ticks.first == 0)
        #expect(AxisScale(fitting: []).ticks == [0, 0.25, 0.5, 0.75, 1])
    }

    @Test func countsGetWholeTicks() {
        // Ten training steps: 0, 5, 10, never 2.5 or 7.5.
        let steps = AxisScale(fitting: [1, 10], integers: true)
        #expect(steps.ticks.allSatisfy { $0 == $0.rounded() } && steps.ticks.map(steps.label) == ["0", "5", "10"])
        #expect(AxisScale(fitting: [1, 3], integers: true).step == 1)
    }

    @Test func stepsAreOneTwoTwoAndAHalfOrFive() {
        #expect(AxisScale.niceStep(0.3) == 0.5 && AxisScale.niceStep(17) == 20 && AxisScale.niceStep(2.2) == 2.5)
        #expect(AxisScale.niceStep(0.0001) == 0.0001 && AxisScale.niceStep(7) == 10)
    }
}
