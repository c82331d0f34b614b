import RagTuneModels
import RagTuneTensor

extension LoRAModel {
    /// One decoder layer forward over `rows` tokens, as `LlamaSession.forward` computes it:
    /// x += o_proj(attention(rope(q_proj(n)), rope(k_proj(n)), v_proj(n))), n = RMSNorm(x);
    /// x += down_proj(silu(gate_proj(n)) ⊙ up_proj(n)), n = RMSNorm(x).
    /// - Parameters: input, output: `[rows, d]` (distinct buffers)
    func forwardLayer(_ l: Int, input x: UnsafeMutablePointer<Float>, rows t: Int, _ a: LayerActivations,
                      output: UnsafeMutablePointer<Float>, _ pass: Pass) {
        let config = base.config
        let d = config.embeddingSize, ff = config.feedForwardSize, hs = config.headSize
        let sublayer = scratch("sublayer", t * d)
        // attention block
        base.attentionNormWeights(layer: l).withUnsafeBufferPointer { g in
            RMSNormLayer.forward(x, gamma: g.baseAddress!, eps: config.rmsEpsilon, rows: t, width: d,
                                 into: a.attentionNormed.pointer, rstd: a.attentionRstd.pointer)
        }
        linearForward(.query, l, a.attentionNormed.pointer, rows: t, into: a.query.pointer, a, pass)
        linearForward(.key, l, a.attentionNormed.pointer, rows: t, into: a.key.pointer, a, pass)
        linearForward(.value, l, a.attentionNormed.pointer, rows: t, into: a.value.pointer, a, pass)
        rope.forward(a.query.pointer, rows: t, heads: config.headCount, headSize: hs)
        rope.forward(a.key.pointer, rows: t, heads: config.kvHeadCount, headSize: hs)
        attention(rows: t).forward(q: a.query.pointer, k: a.key.pointer, v: a.value.pointer,
                                   probs: a.probabilities.pointer, into: a.attended.pointer, pool: pool)
        linearForward(.output, l, a.attended.pointer, rows: t, into: sublayer, a, pass)
        a.middle.pointer.update(from: x, count: t * d)
        Kernels.add(sublayer, into: a.middle.pointer, count: t * d)
        // MLP block
        base.feedForwardNormWeights(layer: l).withUnsafeBufferPointer { g in
            RMSNormLayer.forward(a.middle.pointer, gamma: g.baseAddress!, eps: config.rmsEpsilon, rows: t, width: d,
                                 into: a.mlpNormed.pointer, rstd: a.mlpRstd.pointer)
        }
        linearForward(.gate, l, a.mlpNormed.pointer, rows: t, into: a.gate.pointer, a, pass)
        linearForward(.up, l, a.mlpNormed.pointer, rows: t, into: a.up.pointer, a, pass)
        SwiGLULayer.forward(gate: a.gate.pointer, up: a.up.pointer, count: t * ff, into: a.hidden.pointer)
        linearForward(.down, l, a.hidden.pointer, rows: t, into: sublayer, a, pass)
        output.update(from: a.middle.pointer, count: t * d)
        Kernels.add(sublayer, into: output, count: t * d)
    }

    /// One decoder layer backward: turns `dResidual` (`[rows, d]`, the gradient of the layer's
    /// output) into the gradient of its input, in place, adding adapter gradients to `pass.gradients`.
    func backwardLayer(_ l: Int, input x: UnsafeMutablePointer<Float>, rows t: Int, _ a: LayerActivations,
                       dResidual: UnsafeMutablePointer<Float>, _ pass: Pass) {
        let config = base.config
        let d = config.embeddingSize, kv = config.kvSize, ff = config.feedForwardSize, hs = config.headSize
        let dMiddle = scratch("dMiddle", t * d), dNormed = scratch("dNormed", t * d)
        let dHidden = scratch("dHidden", t * ff), dGate = scratch("dGate", t * ff), dUp = scratch("dUp", t * ff)
        // MLP block: the residual passes dResidual through to dMiddle
        dMiddle.update(from: dResidual, count: t * d)
        dHidden.update(repeating: 0, count: t * ff)
        linearBackward(.down, l, dy: dResidual, x: a.hidden.pointer, rows: t, dx: dHidden, a, pass)
        SwiGLULayer.backward(dHidden, gate: a.gate.pointer, up: a.up.pointer, count: t * ff, dGate: dGate, dUp: dUp)
        dNormed.update(repeating: 0, count: t * d)
        linearBackward(.gate, l, dy: dGate, x: a.mlpNormed.pointer, rows: t, dx: dNormed, a, pass)
        linearBackward(.up, l, dy: dUp, x: a.mlpNormed.pointer, rows: t, dx: dNormed, a, pass)
        base.feedForwardNormWeights(layer: l).withUnsafeBufferPointer { g in
            RMSNormLayer.backward(dNormed, x: a.middle.pointer, gamma: g.baseAddress!, rstd: a.mlpRstd.pointer,
                                  rows: t, width: d, dx: dMiddle)
        }
        // attention block: the residual passes dMiddle through to the input
        let dAttended = scratch("dAttended", t * d), dq = scratch("dq", t * d)
        let dk = scratch("dk", t * kv), dv = scratch("dv", t * kv)
        dAttended.update(repeating: 0, count: t * d)
        linearBackward(.output, l, dy: dMiddle, x: a.attended.pointer, rows: t, dx: dAttended, a, pass)
        let attention = attention(rows: t)
        attention.backward(dAttended, q: a.query.pointer, k: a.key.pointer, v: a.value.pointer,
                           probs: a.probabilities.pointer, dq: dq, dk: dk, dv: dv,
                           scratch: scratch("attentionScratch", attention.backwardScratchCount(workers: pool.threadCount)),
                           pool: pool)
        rope.backward(dq, rows: t, heads: config.headCount, headSize: hs)
        rope.backward(dk, rows: t, heads: config.kvHeadCount, headSize: hs)
        dNormed.update(repeating: 0, count: t * d)
        linearBackward(.query, l, dy: dq, x: a.attentionNormed.pointer, rows: t, dx: dNormed, a, pass)
        linearBackward(.key, l, dy: dk, x: a.attentionNormed.pointer, rows: t, dx: dNormed, a, pass)
        linearBackward(.value, l, dy: dv, x: a.attentionNormed.pointer, rows: t, dx: dNormed, a, pass)
        dResidual.update(from: dMiddle, count: t * d)
        base.attentionNormWeights(layer: l).withUnsafeBufferPointer { g in
            RMSNormLayer.backward(dNormed, x: x, gamma: g.baseAddress!, rstd: a.attentionRstd.pointer,
                                  rows: t, width: d, dx: dResidual)
        }
    }

    private func attention(rows: Int) -> AttentionLayer {
        let config = base.config
        return AttentionLayer(rows: rows, heads: config.headCount, kvHeads: config.kvHeadCount, headSize: config.headSize)
    }

    /// The frozen matrix of `projection` in layer `l`, dequantized into the shared weight scratch.
    private func frozenWeights(_ projection: LlamaProjection, _ l: Int) -> UnsafeMutablePointer<Float> {
        let weights = scratch("weights", maxMatrixCount)
        base.load(.layer(l, projection), rows: 0..<projection.shape(base.config).rows, into: weights, threads: threads)
        return weights
    }

    /// Floats of the largest layer matrix.
    private var maxMatrixCount: Int {
        LlamaProjection.allCases.map { let s = $0.shape(base.config); return s.rows * s.columns }.max()!
    }

    /// The adapter on `projection` in layer `l` as a kernel sees it, or nil when it has none.
    private func adapter(_ projection: LlamaProjection, _ l: Int, _ pass: Pass) -> LoRAView? {
        let layout = parameters.layout
        guard let a = layout.range(layer: l, target: projection, .a),
              let b = layout.range(layer: l, target: projection, .b) else { return nil }
        let module = LlamaProjection.allCases.firstIndex(of: projection)!
        let dropout = pass.dropoutSeed.map {
            Dropout(probability: lora.dropout, batchSeed: $0, sequence: pass.sequence, layer: l, module: module)
        }
        return LoRAView(a: pass.parameters + a.lowerBound, b: pass.parameters + b.lowerBound,
                        rank: lora.rank, scale: lora.scale, dropout: dropout)
    }

    private func linearForward(_ projection: LlamaProjection, _ l: Int, _ x: UnsafePointer<Float>, rows t: Int,
                               into y: UnsafeMutablePointer<Float>, _ a: LayerActivations, _ pass: Pass) {
        let (out, inFeatures) = projection.shape(base.config)
        let weights = frozenWeights(projection, l)
        LinearLayer.forward(x, rows: t, inFeatures: inFeatures, outFeatures: out, weight: weights, into: y,
                            lora: adapter(projection, l, pass), loraHidden: a.loraHidden[projection]?.pointer,
                            dropped: scratch("dropped", t * maxInFeatures), threads: threads)
    }

    private func linearBackward(_ projection: LlamaProjection, _ l: Int, dy: UnsafePointer<Float>,
                                x: UnsafePointer<Float>, rows t: Int, dx: UnsafeMutablePointer<Float>,
                                _ a: LayerActivations, _ pass: Pass) {
        let (out, inFeatures) = projection.shape(base.config)
        let weights = frozenWeights(projection, l)
        let layout = parameters.layout
        let gradA = layout.range(layer: l, target: projection, .a).flatMap { r in pass.gradients.map { $0 + r.lowerBound } }
        let gradB = layout.range(layer: l, target: projection, .b).flatMap { r in pass.gradients.map { $0 + r.lowerBound } }
        LinearLayer.backward(dy, x: x, rows: t, inFeatures: inFeatures, outFeatures: out, weight: weights, dx: dx,
                             lora: adapter(projection, l, pass), loraHidden: a.loraHidden[projection]?.pointer,
                             gradA: gradA, gradB: gradB,
                             scratch: scratch("loraScratch", t * (maxInFeatures + lora.rank)), threads: threads)
    }

    /// Widest input of a layer matrix (d or ff).
    private var maxInFeatures: Int { max(base.config.embeddingSize, base.config.feedForwardSize) }
}
