import Foundation

/// AdamW (Loshchilov & Hutter 2019) with decoupled weight decay, as `torch.optim.AdamW`, and
/// optional clipping of the gradient's global L2 norm first (as `torch.nn.utils.clip_grad_norm_`).
/// Per step t, for each parameter p with gradient g:
/// p ← p·(1 − lr·λ); m ← β₁m + (1 − β₁)g; v ← β₂v + (1 − β₂)g²;
/// p ← p − lr · (m / (1 − β₁ᵗ)) / (√(v / (1 − β₂ᵗ)) + ε).
/// Mutable optimizer state with one owner (the trainer).
public struct AdamW: Sendable {
    public var learningRate: Float
    public var beta1: Float
    public var beta2: Float
    public var epsilon: Float
    /// λ, decoupled from the gradient.
    public var weightDecay: Float
    /// Scales the gradient down to this global L2 norm when it is larger; nil: no clipping.
    public var maxGradientNorm: Float?
    /// Steps taken so far.
    public internal(set) var step = 0
    /// First and second moment estimates, one per parameter.
    public internal(set) var firstMoment: [Float]
    public internal(set) var secondMoment: [Float]

    /// - Parameters: defaults are PyTorch's (β 0.9/0.999, ε 1e-8, λ 0.01), clipping at 1 as in
    ///   Hugging Face's Trainer.
    public init(parameterCount: Int, learningRate: Float, beta1: Float = 0.9, beta2: Float = 0.999,
                epsilon: Float = 1e-8, weightDecay: Float = 0.01, maxGradientNorm: Float? = 1) {
        self.learningRate = learningRate
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
        self.weightDecay = weightDecay
        self.maxGradientNorm = maxGradientNorm
        firstMoment = [Float](repeating: 0, count: parameterCount)
        secondMoment = [Float](repeating: 0, count: parameterCount)
    }

    /// Takes one step on `parameters` with `gradients` (same count as the optimizer state).
    /// - Returns: the gradient's global L2 norm before clipping
    @discardableResult
    public mutating func update(_ parameters: inout [Float], gradients: [Float]) throws -> Float {
        guard parameters.count == firstMoment.count, gradients.count == firstMoment.count else {
            throw TrainingError.shapeMismatch("AdamW holds \(firstMoment.count) moments; got \(parameters.count) "
                                              + "parameters and \(gradients.count) gradients")
        }
        var squares: Double = 0
        for g in gradients { squares += Double(g) * Double(g) }
        let norm = Float(squares.squareRoot())
        var clip: Float = 1
        if let maxNorm = maxGradientNorm, norm > maxNorm { clip = maxNorm / (norm + 1e-6) }
        step += 1
        let correction1 = 1 - Float(pow(Double(beta1), Double(step)))
        let correction2 = 1 - Float(pow(Double(beta2), Double(step)))
        let decay = 1 - learningRate * weightDecay
        for i in parameters.indices {
            let g = gradients[i] * clip
            firstMoment[i] = beta1 * firstMoment[i] + (1 - beta1) * g
            secondMoment[i] = beta2 * secondMoment[i] + (1 - beta2) * g * g
            let mHat = firstMoment[i] / correction1, vHat = secondMoment[i] / correction2
            parameters[i] = parameters[i] * decay - learningRate * mHat / (vHat.squareRoot() + epsilon)
        }
        return norm
    }
}
