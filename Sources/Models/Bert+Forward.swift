import RagTuneTensor

/// Activations of one packed BERT forward pass, in buffers allocated once per pass. Raw
/// pointers (not arrays) so that no copy-on-write can copy a matrix behind the kernels' back.
final class BertForwardPass {
    let config: BertConfig
    let lengths: [Int]
    let starts: [Int]   // first row of each sequence
    let rows: Int       // Σ lengths
    let threads: Int

    let x: UnsafeMutablePointer<Float>       // [rows, hidden]: the residual stream
    let qkv: UnsafeMutablePointer<Float>     // [rows, 3·hidden]
    let context: UnsafeMutablePointer<Float> // [rows, hidden]
    let ffn: UnsafeMutablePointer<Float>     // [rows, intermediate]
    let sum: UnsafeMutablePointer<Float>     // [rows, hidden]: a sublayer's output before residual + LN
    let scores: UnsafeMutablePointer<Float>  // [workers, maxLength, maxLength]

    init(config: BertConfig, lengths: [Int], threads: Int) {
        self.config = config
        self.lengths = lengths
        var starts: [Int] = [], total = 0
        for n in lengths { starts.append(total); total += n }
        self.starts = starts
        self.rows = total
        self.threads = max(1, threads)
        let h = config.hiddenSize, maxLength = lengths.max() ?? 0
        x = .allocate(capacity: total * h)
        qkv = .allocate(capacity: total * 3 * h)
        context = .allocate(capacity: total * h)
        ffn = .allocate(capacity: total * config.intermediateSize)
        sum = .allocate(capacity: total * h)
        scores = .allocate(capacity: self.threads * maxLength * maxLength)
    }

    deinit {
        for buffer in [x, qkv, context, ffn, sum, scores] { buffer.deallocate() }
    }

    /// The residual stream, copied out. - Returns: `[rows, hidden]`
    var hiddenStates: Tensor {
        Tensor(shape: [rows, config.hiddenSize],
               values: Array(UnsafeBufferPointer(start: x, count: rows * config.hiddenSize)))
    }

    /// x[row] = LayerNorm(word[id] + position[pos] + tokenType[0])
    func embedTokens(_ batch: [[Int]], model: BertModel) {
        let h = config.hiddenSize, eps = config.layerNormEpsilon, out = x
        let flatIds = batch.flatMap { $0 }
        let positions = lengths.flatMap { 0..<$0 }
        model.wordEmbeddings.withUnsafeBufferPointer { word in
        model.positionEmbeddings.withUnsafeBufferPointer { pos in
        model.tokenTypeEmbeddings.withUnsafeBufferPointer { type in
        model.embeddingNormGamma.withUnsafeBufferPointer { g in
        model.embeddingNormBeta.withUnsafeBufferPointer { b in
            Parallel.forEach(count: rows, threads: threads) { r in
                let row = out + r * h
                for j in 0..<h {
                    row[j] = word[flatIds[r] * h + j] + pos[positions[r] * h + j] + type[j]
                }
                Kernels.layerNorm(row, gamma: g.baseAddress!, beta: b.baseAddress!, eps: eps, into: row, count: h)
            }
        }}}}}
    }

    /// One encoder layer: x = LN(x + attention(x)); x = LN(x + W2·gelu(W1·x)).
    /// Each SGEMM writes its product alone; bias, activation, residual and LayerNorm then run in
    /// one fused pass over the rows, so every activation matrix is swept once more, not three times.
    func apply(_ layer: BertModel.Layer) {
        let h = config.hiddenSize, ff = config.intermediateSize
        // qkv = x · Wqkvᵀ + b
        matmul(x, inputWidth: h, weight: layer.qkv, into: qkv, outputWidth: 3 * h)
        layer.qkvBias.withUnsafeBufferPointer { bias in
            forEachRow(of: qkv, width: 3 * h) { Kernels.add(bias.baseAddress!, into: $0, count: 3 * h) }
        }
        attention()
        // x = LN(x + context · Woᵀ + b)
        matmul(context, inputWidth: h, weight: layer.attentionOut, into: sum, outputWidth: h)
        addResidualAndNormalize(bias: layer.attentionOutBias, gamma: layer.norm1Gamma, beta: layer.norm1Beta)
        // ffn = gelu(x · W1ᵀ + b1)
        matmul(x, inputWidth: h, weight: layer.ffnIn, into: ffn, outputWidth: ff)
        layer.ffnInBias.withUnsafeBufferPointer { bias in
            forEachRow(of: ffn, width: ff) { row in
                Kernels.add(bias.baseAddress!, into: row, count: ff)
                Kernels.gelu(row, count: ff)
            }
        }
        // x = LN(x + ffn · W2ᵀ + b2)
        matmul(ffn, inputWidth: ff, weight: layer.ffnOut, into: sum, outputWidth: h)
        addResidualAndNormalize(bias: layer.ffnOutBias, gamma: layer.norm2Gamma, beta: layer.norm2Beta)
    }

    /// output[rows, outW] = input[rows, inW] · weight[outW, inW]ᵀ, split over the workers.
    private func matmul(_ input: UnsafePointer<Float>, inputWidth: Int, weight: [Float],
                        into output: UnsafeMutablePointer<Float>, outputWidth: Int) {
        weight.withUnsafeBufferPointer { w in
            BLAS.parallelSgemm(transposeB: true, m: rows, n: outputWidth, k: inputWidth,
                               a: input, lda: inputWidth, b: w.baseAddress!, ldb: inputWidth,
                               c: output, ldc: outputWidth, threads: threads)
        }
    }

    /// Runs `body` on every row of a `[rows, width]` buffer, rows spread over the workers.
    private func forEachRow(of buffer: UnsafeMutablePointer<Float>, width: Int,
                            _ body: (UnsafeMutablePointer<Float>) -> Void) {
        Parallel.forEach(count: rows, threads: threads) { r in body(buffer + r * width) }
    }

    /// x = LayerNorm(x + sum + bias), row by row; `sum` holds a sublayer's matmul output.
    private func addResidualAndNormalize(bias: [Float], gamma: [Float], beta: [Float]) {
        let h = config.hiddenSize, eps = config.layerNormEpsilon, x = self.x
        bias.withUnsafeBufferPointer { b in
        gamma.withUnsafeBufferPointer { g in
        beta.withUnsafeBufferPointer { be in
            forEachRow(of: sum, width: h) { row in
                let out = x + (row - sum) // the same row of x
                Kernels.add(b.baseAddress!, into: row, count: h)
                Kernels.add(out, into: row, count: h)
                Kernels.layerNorm(row, gamma: g.baseAddress!, beta: be.baseAddress!, eps: eps, into: out, count: h)
            }
        }}}
    }

    /// context = softmax(Q·Kᵀ/√d)·V per sequence and head, over the sequence's own tokens.
    /// (sequence, head) pairs are spread over the workers, each running single-threaded SGEMM.
    private func attention() {
        let h = config.hiddenSize, d = config.headSize, heads = config.headCount
        let scale = 1 / Float(d).squareRoot()
        let maxLength = lengths.max() ?? 0
        let jobs = lengths.count * heads
        let workers = min(threads, jobs)
        let lengths = self.lengths, starts = self.starts
        let qkv = self.qkv, context = self.context, scores = self.scores
        if BLAS.threads != 1 { BLAS.setThreads(1) } // each worker runs its own single-threaded SGEMM
        Parallel.forEach(count: workers, threads: workers) { worker in
            let scratch = scores + worker * maxLength * maxLength
            for job in stride(from: worker, to: jobs, by: workers) {
                let seq = job / heads, head = job % heads
                let n = lengths[seq], row0 = starts[seq]
                let query = qkv + row0 * 3 * h + head * d
                let key = query + h, value = query + 2 * h
                BLAS.sgemm(transposeB: true, m: n, n: n, k: d, alpha: scale,
                           a: query, lda: 3 * h, b: key, ldb: 3 * h, c: scratch, ldc: n)
                for i in 0..<n { Kernels.softmax(scratch + i * n, count: n) }
                BLAS.sgemm(m: n, n: d, k: n, a: scratch, lda: n, b: value, ldb: 3 * h,
                           c: context + row0 * h + head * d, ldc: h)
            }
        }
    }
}
