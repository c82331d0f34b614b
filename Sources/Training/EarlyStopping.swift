/// Hugging Face's `EarlyStoppingCallback`: an eval loss counts as an improvement when it is
/// below the best so far by more than `threshold`; training stops after `patience` evaluations
/// in a row without one. Codable so a checkpoint carries it.
public struct EarlyStopping: Sendable, Equatable, Codable {
    public let patience: Int
    public let threshold: Double
    public private(set) var best: Double?
    /// Evaluations in a row without an improvement.
    public private(set) var badEvaluations = 0

    public init(patience: Int, threshold: Double) {
        self.patience = patience
        self.threshold = threshold
    }

    /// Takes one eval loss into account. - Returns: whether training should stop now
    public mutating func observe(_ loss: Double) -> Bool {
        if let best, !(loss < best && abs(loss - best) > threshold) {
            badEvaluations += 1
        } else {
            best = loss
            badEvaluations = 0
        }
        return badEvaluations >= patience
    }
}
