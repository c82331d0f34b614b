import RagTuneModels
import RagTuneTensor

/// A Llama decoder with a frozen base and trainable LoRA adapters, with an explicit forward and
/// backward pass in the style of llm.c: every layer's activations live in flat Float32 buffers,
/// every matrix product is an SGEMM, and the frozen matrices are read (dequantized) a matrix at a
/// time into one reusable scratch buffer.
///
/// A batch is a loop over its sequences (no padding): each sequence runs forward and backward on
/// its own and adds its gradient, scaled by 1 / (counted tokens of the whole batch), so the result
/// is the gradient of the mean loss over every counted token of the batch.
///
/// With `gradientCheckpointing`, only each layer's input is kept during the forward pass and the
/// layer's activations are recomputed just before its backward pass (the same operations on the
/// same inputs, so the gradients are bit-identical); memory then holds one layer's activations
/// instead of all of them.
///
/// Mutable state with one owner; not `Sendable`.
public final class LoRAModel {
    public let base: any FrozenLlamaWeights
    public let lora: LoRAConfiguration
    /// The trainable weights, laid out by `parameters.layout`.
    public var parameters: LoRAParameters
    /// Keep only layer inputs and recompute activations in the backward pass.
    public var gradientCheckpointing: Bool
    /// Worker threads for matrix products and attention heads.
    public let threads: Int

    let pool: WorkerPool
    let rope: RoPELayer
    var scratch = ScratchBuffers()
    /// One set per layer, or a single set with checkpointing / without gradients.
    var activations: [LayerActivations] = []
    /// `[L + 1, T, d]`: the residual stream entering each layer, then the final one.
    var layerInputs = FloatBuffer(0)

    /// - Parameters:
    ///   - base: the frozen decoder
    ///   - lora: adapter hyper-parameters (validated)
    ///   - parameters: starting adapter weights; default PEFT initialization from `lora.seed` (B = 0)
    ///   - threads: worker threads (the machines have 2 cores)
    public init(base: any FrozenLlamaWeights, lora: LoRAConfiguration, parameters: LoRAParameters? = nil,
                threads: Int = 2, gradientCheckpointing: Bool = false) throws {
        try lora.validate()
        let layout = LoRALayout(config: base.config, rank: lora.rank, targets: lora.targets)
        if let parameters, parameters.layout != layout {
            throw TrainingError.shapeMismatch("adapter parameters have \(parameters.layout.count) values in another layout; "
                                              + "the configuration needs \(layout.count)")
        }
        self.base = base
        self.lora = lora
        self.parameters = parameters ?? LoRAParameters(peftInitializedWith: layout, seed: lora.seed)
        self.threads = max(1, threads)
        self.gradientCheckpointing = gradientCheckpointing
        pool = WorkerPool(threads: self.threads)
        rope = RoPELayer(rope: RotaryEmbedding(dimensions: base.config.ropeDimensions, base: base.config.ropeBase,
                                               pairing: .adjacent))
    }

    /// Raw logits at every position of `tokens`, adapters applied, no dropout.
    /// - Returns: `[T][vocab]`
    public func logits(tokens: [Int]) throws -> [[Float]] {
        let sequence = TrainingSequence(tokens: tokens, targets: tokens, mask: tokens.map { _ in false })
        try sequence.validate(vocabularySize: base.config.vocabularySize, contextLength: base.config.contextLength)
        let t = tokens.count, v = base.config.vocabularySize
        let flat = parameters.values.withUnsafeBufferPointer { p -> [Float] in
            let pass = Pass(parameters: p.baseAddress!, gradients: nil, gradientScale: 0, dropoutSeed: nil, sequence: 0)
            forwardLayers(tokens, pass)
            return allLogits(rows: t)
        }
        return (0..<t).map { Array(flat[($0 * v)..<(($0 + 1) * v)]) }
    }

    /// Mean cross-entropy over the counted positions of one sequence.
    /// - Parameter dropoutSeed: nil evaluates without dropout; a seed draws training-mode masks.
    public func loss(tokens: [Int], targets: [Int], mask: [Bool], dropoutSeed: UInt64? = nil) throws -> Float {
        try loss(batch: [TrainingSequence(tokens: tokens, targets: targets, mask: mask)], dropoutSeed: dropoutSeed)
    }

    /// Mean cross-entropy over every counted position of the batch.
    public func loss(batch: [TrainingSequence], dropoutSeed: UInt64? = nil) throws -> Float {
        Float(try run(batch, dropoutSeed: dropoutSeed, gradients: false).loss)
    }

    /// The loss of one sequence and its gradient with respect to every adapter parameter.
    public func lossAndGradients(tokens: [Int], targets: [Int], mask: [Bool],
                                 dropoutSeed: UInt64? = nil) throws -> (loss: Float, gradients: LoRAParameters) {
        try lossAndGradients(batch: [TrainingSequence(tokens: tokens, targets: targets, mask: mask)],
                             dropoutSeed: dropoutSeed)
    }

    /// The mean loss over every counted position of the batch and its gradient with respect to
    /// every adapter parameter (same layout as `parameters`).
    /// - Parameter dropoutSeed: draws the dropout masks (nil: no dropout); use a new seed each step.
    public func lossAndGradients(batch: [TrainingSequence],
                                 dropoutSeed: UInt64? = nil) throws -> (loss: Float, gradients: LoRAParameters) {
        let result = try run(batch, dropoutSeed: dropoutSeed, gradients: true)
        var gradients = LoRAParameters(zerosWith: parameters.layout)
        gradients.values = result.gradients!.array
        return (Float(result.loss), gradients)
    }

    /// What one sequence's pass reads and writes besides the activations.
    struct Pass {
        let parameters: UnsafePointer<Float>
        /// Accumulated into; nil for a forward-only pass.
        let gradients: UnsafeMutablePointer<Float>?
        /// Weight of each counted position's loss in the objective.
        let gradientScale: Float
        let dropoutSeed: UInt64?
        /// Index in the batch (part of the dropout seed).
        let sequence: Int
    }

    /// The mean loss in Double (gradient checks difference it) and, when `wanted`, the gradients.
    func run(_ batch: [TrainingSequence], dropoutSeed: UInt64?,
             gradients wanted: Bool) throws -> (loss: Double, gradients: FloatBuffer?) {
        let config = base.config
        let layout = LoRALayout(config: config, rank: lora.rank, targets: lora.targets)
        guard parameters.layout == layout, parameters.values.count == layout.count else {
            throw TrainingError.shapeMismatch("adapter parameters hold \(parameters.values.count) values; "
                                              + "the configuration needs \(layout.count)")
        }
        for sequence in batch {
            try sequence.validate(vocabularySize: config.vocabularySize, contextLength: config.contextLength)
        }
        let counted = batch.reduce(0) { $0 + $1.countedTokens }
        guard counted > 0 else { throw TrainingError.noCountedTokens }
        let gradients = wanted ? FloatBuffer(parameters.layout.count) : nil
        let seed = lora.dropout > 0 ? dropoutSeed : nil
        var total: Double = 0
        parameters.values.withUnsafeBufferPointer { p in
            for (s, sequence) in batch.enumerated() {
                let pass = Pass(parameters: p.baseAddress!, gradients: gradients?.pointer,
                                gradientScale: 1 / Float(counted), dropoutSeed: seed, sequence: s)
                total += lossAndBackward(sequence, pass)
            }
        }
        return (total / Double(counted), gradients)
    }

    /// Forward (and, with `pass.gradients`, backward) over one sequence. - Returns: Σ loss
    private func lossAndBackward(_ sequence: TrainingSequence, _ pass: Pass) -> Double {
        forwardLayers(sequence.tokens, pass)
        let t = sequence.tokens.count, d = base.config.embeddingSize, layers = base.config.layerCount
        guard pass.gradients != nil else {
            return headLoss(rows: t, targets: sequence.targets, mask: sequence.mask, pass: pass, dHidden: nil)
        }
        let dResidual = scratch("dResidual", t * d)
        let loss = headLoss(rows: t, targets: sequence.targets, mask: sequence.mask, pass: pass, dHidden: dResidual)
        for l in (0..<layers).reversed() {
            let input = layerInputs.pointer + l * t * d
            let stored = keepsAllActivations(pass) ? activations[l] : activations[0]
            if !keepsAllActivations(pass) {
                forwardLayer(l, input: input, rows: t, stored, output: scratch("recomputed", t * d), pass)
            }
            backwardLayer(l, input: input, rows: t, stored, dResidual: dResidual, pass)
        }
        return loss
    }

    func keepsAllActivations(_ pass: Pass) -> Bool { pass.gradients != nil && !gradientCheckpointing }

    /// Embeds `tokens` and runs every layer, filling `layerInputs` and the activations.
    func forwardLayers(_ tokens: [Int], _ pass: Pass) {
        let config = base.config
        let t = tokens.count, d = config.embeddingSize
        BLAS.useSingleThread()
        reserve(rows: t, sets: keepsAllActivations(pass) ? config.layerCount : 1)
        for (i, id) in tokens.enumerated() { base.embedding(of: id, into: layerInputs.pointer + i * d) }
        for l in 0..<config.layerCount {
            let stored = keepsAllActivations(pass) ? activations[l] : activations[0]
            forwardLayer(l, input: layerInputs.pointer + l * t * d, rows: t, stored,
                         output: layerInputs.pointer + (l + 1) * t * d, pass)
        }
    }

    /// Makes `sets` activation sets of at least `rows` rows and room for every layer input.
    private func reserve(rows: Int, sets: Int) {
        let config = base.config
        let needed = (config.layerCount + 1) * rows * config.embeddingSize
        if layerInputs.count < needed { layerInputs = FloatBuffer(needed) }
        if let first = activations.first, first.rows < rows { activations.removeAll() }
        while activations.count < sets {
            activations.append(LayerActivations(config: config, rows: max(rows, activations.first?.rows ?? 0),
                                                rank: lora.rank, targets: lora.targets))
        }
        if activations.count > sets { activations.removeLast(activations.count - sets) }
    }
}
