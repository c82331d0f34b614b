import Foundation
import Testing
@testable import RagTuneTraining

@Suite struct AdamWTests {
    /// Step 1 by hand: m̂ = g, v̂ = g², so p ← p(1 − lr·λ) − lr·g/(|g| + ε).
    @Test func firstStepByHand() throws {
        var optimizer = AdamW(parameterCount: 2, learningRate: 0.1, weightDecay: 0.01, maxGradientNorm: nil)
        var p: [Float] = [1, -2]
        let norm = try optimizer.update(&p, gradients: [0.5, 0.1])
        #expect(abs(norm - Float(0.26).squareRoot()) < 1e-6)
        #expect(abs(p[0] - (1 * 0.999 - 0.1)) < 1e-6)
        #expect(abs(p[1] - (-2 * 0.999 - 0.1)) < 1e-6)
        #expect(abs(optimizer.firstMoment[0] - 0.05) < 1e-7 && abs(optimizer.secondMoment[1] - 1e-5) < 1e-9)
        // step 2 with g = 0: m = 0.045, v = 0.000249750; m̂ = 0.045/0.19, v̂ = 0.00024975/0.001999
        _ = try optimizer.update(&p, gradients: [0, 0])
        let mHat = 0.045 / (1 - 0.81), vHat = 0.00024975 / (1 - 0.998001)
        let expected = (1 * 0.999 - 0.1) * 0.999 - 0.1 * mHat / (vHat.squareRoot() + 1e-8)
        #expect(abs(Double(p[0]) - expected) < 1e-5)
    }

    @Test func clipsTheGlobalNorm() throws {
        var optimizer = AdamW(parameterCount: 2, learningRate: 0.1, maxGradientNorm: 1)
        var p: [Float] = [0, 0]
        let norm = try optimizer.update(&p, gradients: [3, 4])
        #expect(norm == 5)
        #expect(abs(optimizer.firstMoment[0] - 0.06) < 1e-6 && abs(optimizer.firstMoment[1] - 0.08) < 1e-6)
        #expect(throws: TrainingError.self) { try optimizer.update(&p, gradients: [1]) }
    }
}
