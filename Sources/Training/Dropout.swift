import RagTuneTensor

/// Inverted dropout with a mask drawn from a seed, so the backward pass can regenerate the exact
/// mask instead of storing it: y = x ⊙ m / (1 − p), m ~ Bernoulli(1 − p) (as `torch.nn.Dropout`).
/// Each element takes 16 random bits, so p is resolved to 1/65536.
struct Dropout: Sendable {
    /// Probability of zeroing an element, in [0, 1).
    let probability: Float
    let seed: UInt64

    /// The mask of one LoRA input: distinct for every sequence of a batch, layer and module.
    init(probability: Float, batchSeed: UInt64, sequence: Int, layer: Int, module: Int) {
        self.probability = probability
        var mix = SplitMix64(seed: batchSeed ^ (UInt64(sequence) << 32) ^ (UInt64(layer) << 8) ^ UInt64(module))
        seed = mix.next()
    }

    /// y = x ⊙ m / (1 − p) over `count` elements; `x` and `y` may alias. Applying it to a gradient
    /// with the same seed and count is the backward pass.
    func apply(_ x: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>, count: Int) {
        let threshold = UInt64((probability * 65536).rounded())
        let keepScale = 1 / (1 - probability)
        var rng = SplitMix64(seed: seed)
        var bits: UInt64 = 0
        for i in 0..<count {
            if i & 3 == 0 { bits = rng.next() }
            let draw = (bits >> (UInt64(i & 3) * 16)) & 0xFFFF
            y[i] = draw >= threshold ? x[i] * keepScale : 0
        }
    }
}
