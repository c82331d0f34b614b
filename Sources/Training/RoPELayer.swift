import RagTuneTensor

/// Rotary position embedding over a sequence whose first token is at position 0, using the
/// same kernel as inference (`RotaryEmbedding`, adjacent pairs for GGUF Llama weights).
/// Each pair is rotated by an orthogonal 2×2 matrix R(θ), so the backward pass multiplies by
/// R(θ)ᵀ = R(−θ): the kernel applied at position −p.
struct RoPELayer: Sendable {
    let rope: RotaryEmbedding

    /// Rotates rows `t` of `x` (`[rows, heads · headSize]`) in place at position `t`.
    func forward(_ x: UnsafeMutablePointer<Float>, rows: Int, heads: Int, headSize: Int) {
        for t in 0..<rows { rope.apply(x + t * heads * headSize, heads: heads, headSize: headSize, position: t) }
    }

    /// Turns the gradient of the rotated values into the gradient of the unrotated ones, in place.
    func backward(_ dx: UnsafeMutablePointer<Float>, rows: Int, heads: Int, headSize: Int) {
        for t in 0..<rows { rope.apply(dx + t * heads * headSize, heads: heads, headSize: headSize, position: -t) }
    }
}
