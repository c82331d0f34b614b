import RagTuneModels

/// Hyper-parameters of LoRA adapters (Hu et al. 2021), with PEFT's names and meaning:
/// each target matrix W gets W + (α/r)·B·A, with dropout on the adapter's input only.
public struct LoRAConfiguration: Sendable, Equatable, Codable {
    /// The largest rank accepted from a job or an adapter file (far above any useful LoRA rank; a
    /// damaged file's rank must not size an allocation or overflow a count).
    public static let maximumRank = 65_536

    /// r: rows of A `[r, in]` and columns of B `[out, r]`.
    public var rank: Int
    /// α: the adapter output is scaled by α/r.
    public var alpha: Float
    /// Probability of zeroing an element of the adapter's input during training, in [0, 1).
    public var dropout: Float
    /// The layer matrices that get an adapter (PEFT `target_modules`), in this order in the parameters.
    public var targets: [LlamaProjection]
    /// Seed of A's initialization.
    public var seed: UInt64

    /// - Parameters: defaults follow common PEFT recipes for small Llama models (r 8, α 16, dropout 0.05, all 7 modules).
    public init(rank: Int = 8, alpha: Float = 16, dropout: Float = 0.05,
                targets: [LlamaProjection] = LlamaProjection.allCases, seed: UInt64 = 0) {
        self.rank = rank
        self.alpha = alpha
        self.dropout = dropout
        self.targets = targets
        self.seed = seed
    }

    /// α/r, the factor of B·A.
    public var scale: Float { alpha / Float(rank) }

    /// Throws `TrainingError.invalidHyperparameter` for a rank < 1, a dropout outside [0, 1),
    /// or repeated targets.
    public func validate() throws {
        if rank < 1 {
            throw TrainingError.invalidHyperparameter(name: "rank", value: "\(rank)", reason: "must be at least 1")
        }
        if !(dropout >= 0 && dropout < 1) {
            throw TrainingError.invalidHyperparameter(name: "dropout", value: "\(dropout)", reason: "must be in [0, 1)")
        }
        if Set(targets).count != targets.count {
            throw TrainingError.invalidHyperparameter(name: "targets", value: targets.map(\.rawValue).joined(separator: ","),
                                                      reason: "a module is listed twice")
        }
    }
}
