import RagTuneModels

/// What one decoder layer's forward pass keeps for its backward pass, for up to `rows` tokens
/// (shorter sequences use the leading part, with T as the row stride).
final class LayerActivations {
    let rows: Int
    let attentionNormed: FloatBuffer  // [T, d]  RMSNorm(x), input of q/k/v
    let attentionRstd: FloatBuffer    // [T]
    let query: FloatBuffer            // [T, d]  after RoPE
    let key: FloatBuffer              // [T, kv] after RoPE
    let value: FloatBuffer            // [T, kv]
    let probabilities: FloatBuffer    // [H, T, T] causal softmax
    let attended: FloatBuffer         // [T, d]  heads side by side, input of o_proj
    let middle: FloatBuffer           // [T, d]  residual stream after the attention block
    let mlpNormed: FloatBuffer        // [T, d]  RMSNorm(middle), input of gate/up
    let mlpRstd: FloatBuffer          // [T]
    let gate: FloatBuffer             // [T, ff] before SiLU
    let up: FloatBuffer               // [T, ff]
    let hidden: FloatBuffer           // [T, ff] silu(gate) ⊙ up, input of down_proj
    /// `[T, r]` per adapted matrix: dropout(x)·Aᵀ.
    let loraHidden: [LlamaProjection: FloatBuffer]

    init(config: LlamaConfig, rows: Int, rank: Int, targets: [LlamaProjection]) {
        let d = config.embeddingSize, kv = config.kvSize, ff = config.feedForwardSize
        self.rows = rows
        attentionNormed = FloatBuffer(rows * d)
        attentionRstd = FloatBuffer(rows)
        query = FloatBuffer(rows * d)
        key = FloatBuffer(rows * kv)
        value = FloatBuffer(rows * kv)
        probabilities = FloatBuffer(config.headCount * rows * rows)
        attended = FloatBuffer(rows * d)
        middle = FloatBuffer(rows * d)
        mlpNormed = FloatBuffer(rows * d)
        mlpRstd = FloatBuffer(rows)
        gate = FloatBuffer(rows * ff)
        up = FloatBuffer(rows * ff)
        hidden = FloatBuffer(rows * ff)
        loraHidden = Dictionary(uniqueKeysWithValues: targets.map { ($0, FloatBuffer(rows * rank)) })
    }
}
