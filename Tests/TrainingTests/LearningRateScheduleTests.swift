import Foundation
import Testing
@testable import RagTuneTraining

/// Schedules at hand-computed steps (Hugging Face's formulas), plateau reduction and early stopping.
@Suite struct LearningRateScheduleTests {
    @Test func warmupThenLinearCosineConstant() {
        let linear = LearningRateSchedule(kind: .linear, peak: 1e-3, warmupSteps: 4, totalSteps: 14)
        #expect(linear.rate(at: 0) == 0)
        #expect(linear.rate(at: 2) == 0.5e-3)
        #expect(linear.rate(at: 4) == 1e-3)
        #expect(abs(linear.rate(at: 9) - 0.5e-3) < 1e-15)
        #expect(linear.rate(at: 14) == 0)
        let cosine = LearningRateSchedule(kind: .cosine, peak: 2, warmupSteps: 0, totalSteps: 10)
        #expect(cosine.rate(at: 0) == 2)
        #expect(abs(cosine.rate(at: 5) - 1) < 1e-12)
        #expect(abs(cosine.rate(at: 8) - (1 + cos(0.8 * Double.pi))) < 1e-12)
        let constant = LearningRateSchedule(kind: .constant, peak: 3, warmupSteps: 2, totalSteps: 10)
        #expect(constant.rate(at: 1) == 1.5 && constant.rate(at: 9) == 3)
        let plateau = LearningRateSchedule(kind: .reduceOnPlateau, peak: 1, warmupSteps: 0, totalSteps: 10)
        #expect(plateau.rate(at: 7, plateauScale: 0.25) == 0.25)
    }

    @Test func plateauReducesAfterPatienceRunsOut() {
        var options = FineTuneJob.PlateauOptions()
        options.factor = 0.5
        options.patience = 1
        options.minLR = 0.2
        var plateau = PlateauReducer(options: options)
        for loss in [2.0, 1.5, 1.6] { plateau.observe(loss, peak: 1) }
        #expect(plateau.scale == 1 && plateau.badEvaluations == 1)
        plateau.observe(1.5, peak: 1) // equal is not better: second bad evaluation > patience 1
        #expect(plateau.scale == 0.5 && plateau.badEvaluations == 0)
        for loss in [1.7, 1.8, 1.9, 2.0] { plateau.observe(loss, peak: 1) }
        #expect(plateau.scale == 0.2) // floored at min_lr / peak
    }

    @Test func earlyStoppingCountsEvaluationsWithoutImprovement() {
        var stopping = EarlyStopping(patience: 2, threshold: 0.01)
        // 1.995 is below the best by less than the threshold: not an improvement
        let decisions = [2.0, 1.995, 1.9, 1.95, 1.899].map { stopping.observe($0) }
        #expect(decisions == [false, false, false, false, true])
    }
}
