import RagTuneTensor

extension LoRAModel {
    /// Rows of the output head dequantized at a time (≈ 8 MB of Float32), so the full head
    /// (`[vocab, d]`, 113 MB for SmolLM2) is never materialized.
    var headChunkRows: Int { max(1, 2_097_152 / base.config.embeddingSize) }

    /// Final RMSNorm of the last layer's output, the output head and cross-entropy, at the
    /// counted positions only (the others do not need logits).
    /// - Parameters:
    ///   - dHidden: `[rows, d]`; when given, receives the gradient of the loss (scaled by
    ///     `pass.gradientScale` per counted position) with respect to the last layer's output
    /// - Returns: Σ loss over the counted positions
    func headLoss(rows t: Int, targets: [Int], mask: [Bool], pass: Pass,
                  dHidden: UnsafeMutablePointer<Float>?) -> Double {
        let config = base.config
        let d = config.embeddingSize, v = config.vocabularySize
        let hidden = layerInputs.pointer + config.layerCount * t * d
        let normed = scratch("finalNormed", t * d), rstd = scratch("finalRstd", t)
        let gamma = base.finalNormWeights
        gamma.withUnsafeBufferPointer { g in
            RMSNormLayer.forward(hidden, gamma: g.baseAddress!, eps: config.rmsEpsilon, rows: t, width: d,
                                 into: normed, rstd: rstd)
        }
        let counted = mask.indices.filter { mask[$0] }
        let m = counted.count
        let gathered = scratch("gathered", m * d), logits = scratch("logits", m * v)
        for (i, row) in counted.enumerated() { (gathered + i * d).update(from: normed + row * d, count: d) }
        headProduct(gathered, rows: m, into: logits)
        let loss = CrossEntropyLayer.lossAndGradient(logits, rows: m, vocabulary: v, targets: counted.map { targets[$0] },
                                                     gradientScale: dHidden == nil ? nil : pass.gradientScale)
        guard let dHidden else { return loss }
        // dGathered[m, d] = dLogits · W_head, chunk by chunk; scatter to the counted rows
        let weights = scratch("headWeights", headChunkRows * d)
        gathered.update(repeating: 0, count: m * d)
        for start in stride(from: 0, to: v, by: headChunkRows) {
            let chunk = start..<min(v, start + headChunkRows)
            base.load(.outputHead, rows: chunk, into: weights, threads: threads)
            BLAS.parallelSgemm(m: m, n: d, k: chunk.count, a: logits + start, lda: v, b: weights, ldb: d,
                               beta: 1, c: gathered, ldc: d, threads: threads)
        }
        let dNormed = scratch("dFinalNormed", t * d)
        dNormed.update(repeating: 0, count: t * d)
        for (i, row) in counted.enumerated() { (dNormed + row * d).update(from: gathered + i * d, count: d) }
        dHidden.update(repeating: 0, count: t * d)
        gamma.withUnsafeBufferPointer { g in
            RMSNormLayer.backward(dNormed, x: hidden, gamma: g.baseAddress!, rstd: rstd, rows: t, width: d, dx: dHidden)
        }
        return loss
    }

    /// Logits of every row of the last layer's output (after `forwardLayers`). - Returns: `[rows, vocab]` flat
    func allLogits(rows t: Int) -> [Float] {
        let config = base.config
        let d = config.embeddingSize
        let hidden = layerInputs.pointer + config.layerCount * t * d
        let normed = scratch("finalNormed", t * d), rstd = scratch("finalRstd", t)
        base.finalNormWeights.withUnsafeBufferPointer { g in
            RMSNormLayer.forward(hidden, gamma: g.baseAddress!, eps: config.rmsEpsilon, rows: t, width: d,
                                 into: normed, rstd: rstd)
        }
        var logits = [Float](repeating: 0, count: t * config.vocabularySize)
        logits.withUnsafeMutableBufferPointer { headProduct(normed, rows: t, into: $0.baseAddress!) }
        return logits
    }

    /// logits[rows, vocab] = x[rows, d] · W_headᵀ, the head dequantized a chunk of rows at a time.
    private func headProduct(_ x: UnsafePointer<Float>, rows: Int, into logits: UnsafeMutablePointer<Float>) {
        let d = base.config.embeddingSize, v = base.config.vocabularySize
        let weights = scratch("headWeights", headChunkRows * d)
        for start in stride(from: 0, to: v, by: headChunkRows) {
            let chunk = start..<min(v, start + headChunkRows)
            base.load(.outputHead, rows: chunk, into: weights, threads: threads)
            BLAS.parallelSgemm(transposeB: true, m: rows, n: chunk.count, k: d, a: x, lda: d, b: weights, ldb: d,
                               c: logits + start, ldc: v, threads: threads)
        }
    }
}
