/// torch's `ReduceLROnPlateau` in "min" mode with relative threshold and no cooldown: an eval
/// loss below best · (1 − threshold) is an improvement; after more than `patience` evaluations
/// without one, the learning rate is multiplied by `factor` (never below `min_lr`).
/// Codable so a checkpoint carries it.
public struct PlateauReducer: Sendable, Equatable, Codable {
    public let options: FineTuneJob.PlateauOptions
    /// Best eval loss so far (nil before the first evaluation).
    public private(set) var best: Double?
    /// Evaluations since the last improvement.
    public private(set) var badEvaluations = 0
    /// Factor applied to the peak learning rate so far.
    public private(set) var scale: Double = 1

    public init(options: FineTuneJob.PlateauOptions) {
        self.options = options
    }

    /// Takes one eval loss into account; `peak` is the unreduced learning rate (for `min_lr`).
    public mutating func observe(_ loss: Double, peak: Double) {
        if let best, !(loss < best * (1 - options.threshold)) {
            badEvaluations += 1
        } else {
            best = loss
            badEvaluations = 0
        }
        if badEvaluations > options.patience {
            scale = max(scale * options.factor, options.minLR / peak)
            badEvaluations = 0
        }
    }
}
