import Testing
@testable import RagTuneEvaluation

@Suite struct BootstrapTests {
    let sample: [Double] = [0.1, 0.9, 0.4, 0.0, 1.0, 0.35, 0.6, 0.2, 0.75, 0.5, 0.05, 0.8]

    @Test func quantileInterpolatesLikeNumpy() {
        #expect(Bootstrap.quantile([1, 2, 3, 4], 0.5) == 2.5)
        #expect(Bootstrap.quantile([1, 2, 3, 4], 0.25) == 1.75)
        #expect(Bootstrap.quantile([1, 2, 3, 4], 0) == 1 && Bootstrap.quantile([1, 2, 3, 4], 1) == 4)
        #expect(Bootstrap.quantile([7], 0.975) == 7)
        #expect(abs(Bootstrap.quantile([1, 2, 3, 4], 0.95) - 3.85) < 1e-12)
    }

    @Test func sameSeedSameIntervalAroundTheMean() throws {
        let a = try Bootstrap.meanInterval(sample, seed: 42)
        #expect(a == (try Bootstrap.meanInterval(sample, seed: 42)))
        #expect(a != (try Bootstrap.meanInterval(sample, seed: 43)))
        #expect(abs(a.estimate - sample.reduce(0, +) / 12) < 1e-15)
        #expect(a.lower < a.estimate && a.estimate < a.upper && a.level == 0.95)
        #expect(a.lower > 0.2 && a.upper < 0.7)   // ± about 2 standard errors (0.11) around 0.47
        let narrow = try Bootstrap.meanInterval(sample, level: 0.5, seed: 42)
        #expect(narrow.lower > a.lower && narrow.upper < a.upper)
    }

    @Test func degenerateSamples() throws {
        let constant = try Bootstrap.meanInterval([0.25, 0.25, 0.25], seed: 1)
        #expect(constant.lower == 0.25 && constant.upper == 0.25 && constant.excludesZero)
        // Resample means of {0, 1} are 0, 0.5, 1 with probability 1/4, 1/2, 1/4: the 95% interval is [0, 1].
        let coin = try Bootstrap.meanInterval([0, 1], seed: 7)
        #expect(coin.lower == 0 && coin.upper == 1 && !coin.excludesZero)
    }

    @Test func pairedDifferenceResamplesQueriesTogether() throws {
        let b = sample
        let shifted = b.map { $0 + 0.25 }
        let d = try Bootstrap.pairedDifferenceInterval(shifted, b, seed: 3)
        #expect(abs(d.estimate - 0.25) < 1e-12 && abs(d.lower - 0.25) < 1e-12 && abs(d.upper - 0.25) < 1e-12)
        #expect(d.excludesZero)
        // The paired interval is the bootstrap of the per-query differences with the same draws.
        let noisy = zip(shifted, [0.3, -0.2, 0.1, 0.0, -0.4, 0.2, 0.1, -0.1, 0.0, 0.3, 0.05, -0.3]).map { $0 - $1 }
        let paired = try Bootstrap.pairedDifferenceInterval(noisy, b, resamples: 500, seed: 9)
        let direct = try Bootstrap.meanInterval(zip(noisy, b).map { $0 - $1 }, resamples: 500, seed: 9)
        #expect(paired == direct)
    }

    @Test func invalidArgumentsAreErrors() {
        #expect(TestFiles.errorText { _ = try Bootstrap.meanInterval([], seed: 1) } == "invalid argument: bootstrap of no values")
        #expect(TestFiles.errorText { _ = try Bootstrap.meanInterval([1, .nan], seed: 1) }
                == "invalid argument: values[1] is nan, not a finite number")
        #expect(TestFiles.errorText { _ = try Bootstrap.meanInterval([1], level: 1, seed: 1) }
                == "invalid argument: confidence level 1.0 must be between 0 and 1")
        #expect(TestFiles.errorText { _ = try Bootstrap.meanInterval([1], resamples: 0, seed: 1) }
                == "invalid argument: resamples 0 must be at least 1")
        #expect(TestFiles.errorText { _ = try Bootstrap.pairedDifferenceInterval([1, 2], [1], seed: 1) }
                == "invalid argument: paired bootstrap needs one value per query for both systems (2 vs 1)")
    }
}
