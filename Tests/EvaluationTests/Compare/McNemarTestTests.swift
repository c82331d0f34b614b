import Testing
@testable import RagTuneEvaluation

/// McNemar's exact test and the detectable difference against hand-computed binomial tails.
@Suite struct McNemarTestTests {
    @Test func exactPValuesMatchHandComputedBinomialTails() {
        // 2 · P(X ≤ 0), X ~ Bin(5, ½) = 2/32.
        #expect(abs(McNemarTest(onlyFirst: 0, onlySecond: 5).pValue - 0.0625) < 1e-12)
        // 2 · (1 + 10)/1024.
        #expect(abs(McNemarTest(onlyFirst: 1, onlySecond: 9).pValue - 22.0 / 1024) < 1e-12)
        // 2 · (1 + 10 + 45)/1024; symmetric in the two counts.
        #expect(abs(McNemarTest(onlyFirst: 8, onlySecond: 2).pValue - 112.0 / 1024) < 1e-12)
        #expect(McNemarTest(onlyFirst: 2, onlySecond: 8).pValue == McNemarTest(onlyFirst: 8, onlySecond: 2).pValue)
        // Equal counts and no discordant question: no evidence of a difference.
        #expect(McNemarTest(onlyFirst: 3, onlySecond: 3).pValue == 1)
        #expect(McNemarTest(onlyFirst: 0, onlySecond: 0).pValue == 1)
        // A large sample stays finite: 2 · P(X ≤ 400), X ~ Bin(1000, ½) ≈ 2.7e-10.
        let large = McNemarTest(onlyFirst: 400, onlySecond: 600).pValue
        #expect(large > 1e-11 && large < 1e-9)
    }

    @Test func countsTheDiscordantQuestions() throws {
        let test = try McNemarTest([true, true, false, false, true], [true, false, true, false, false])
        #expect(test.onlyFirst == 2 && test.onlySecond == 1)
        #expect(throws: EvaluationError.self) { try McNemarTest([true], [true, false]) }
    }

    @Test func detectableDifferenceFollowsThePairedVariance() throws {
        // (1.959964 + 0.841621) · √(0.2 / 100).
        let mde = try #require(minimumDetectableDifference(count: 100, discordantShare: 0.2, difference: 0))
        #expect(abs(mde - 0.125292) < 1e-5)
        // A difference shrinks the spread: variance 0.2 − 0.1² = 0.19.
        let shifted = try #require(minimumDetectableDifference(count: 100, discordantShare: 0.2, difference: 0.1))
        #expect(abs(shifted - 2.801585 * (0.19 / 100).squareRoot()) < 1e-5)
        #expect(minimumDetectableDifference(count: 100, discordantShare: 0, difference: 0) == nil)
    }
}
