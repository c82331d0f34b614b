import Foundation

/// The learning rate of each optimizer step, as Hugging Face's schedulers compute it
/// (`get_linear_schedule_with_warmup`, `get_cosine_schedule_with_warmup`,
/// `get_constant_schedule_with_warmup`): update number s (0-based) uses peak · λ(s), with
/// λ(s) = s / warmup during warmup, so the first update of a warmed-up run has rate 0, exactly
/// as in HF. `reduce_on_plateau` warms up the same way, then follows `PlateauReducer`.
public struct LearningRateSchedule: Sendable, Equatable {
    public let kind: FineTuneJob.Scheduler
    /// Peak learning rate.
    public let peak: Double
    public let warmupSteps: Int
    /// Optimizer steps of the whole run.
    public let totalSteps: Int

    public init(kind: FineTuneJob.Scheduler, peak: Double, warmupSteps: Int, totalSteps: Int) {
        self.kind = kind
        self.peak = peak
        self.warmupSteps = warmupSteps
        self.totalSteps = totalSteps
    }

    /// The rate of update `step` (0-based); `plateauScale` is the factor `PlateauReducer` has reached.
    public func rate(at step: Int, plateauScale: Double = 1) -> Double {
        if step < warmupSteps { return peak * Double(step) / Double(max(1, warmupSteps)) }
        let progress = Double(step - warmupSteps) / Double(max(1, totalSteps - warmupSteps))
        switch kind {
        case .linear: return peak * max(0, 1 - progress)
        case .cosine: return peak * max(0, 0.5 * (1 + cos(Double.pi * progress)))
        case .constant: return peak
        case .reduceOnPlateau: return peak * plateauScale
        }
    }
}
