import RagTuneTensor

/// Scratch memory for BERT forward passes, kept between batches so that a corpus is embedded
/// without mapping and zeroing fresh pages for every batch. Raw pointers (not arrays), so that no
/// copy-on-write can copy a matrix behind the kernels' back. One owner at a time; not `Sendable`.
public final class BertWorkspace {
    private var buffers: [UnsafeMutablePointer<Float>] = []
    private var capacities: [Int] = []

    public init() {}

    deinit {
        for buffer in buffers { buffer.deallocate() }
    }

    /// Buffers of at least the given sizes (grown when needed; contents undefined).
    func buffers(_ sizes: [Int]) -> [UnsafeMutablePointer<Float>] {
        for (i, size) in sizes.enumerated() {
            if i == buffers.count {
                buffers.append(.allocate(capacity: max(1, size)))
                capacities.append(max(1, size))
            } else if capacities[i] < size {
                buffers[i].deallocate()
                buffers[i] = .allocate(capacity: size)
                capacities[i] = size
            }
        }
        return Array(buffers.prefix(sizes.count))
    }
}

/// Activations of one packed BERT forward pass, in a workspace's buffers.
struct BertForwardPass {
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
    let attentionScratch: UnsafeMutablePointer<Float> // [workers, scratchCount]
    let scratchCount: Int                    // floats of attention scratch per worker
    let attentionKernel: BertAttentionKernel

    init(config: BertConfig, lengths: [Int], threads: Int, workspace: BertWorkspace,
         attentionKernel: BertAttentionKernel? = nil) {
        self.config = config
        self.lengths = lengths
        var starts: [Int] = [], total = 0
        for n in lengths { starts.append(total); total += n }
        self.starts = starts
        self.rows = total
        self.threads = max(1, threads)
        let h = config.hiddenSize, maxLength = lengths.max() ?? 0
        let kernel = attentionKernel ?? .preferred(headSize: config.headSize)
        self.attentionKernel = kernel
        scratchCount = kernel.scratchCount(maxLength: maxLength, headSize: config.headSize)
        let b = workspace.buffers([total * h, total * 3 * h, total * h, total * config.intermediateSize,
                                   total * h, self.threads * scratchCount])
        (x, qkv, context, ffn, sum, attentionScratch) = (b[0], b[1], b[2], b[3], b[4], b[5])
    }

    /// The residual stream, copied out. - Returns: `[rows, hidden]`
    var hiddenStates: Tensor {
        Tensor(shape: [rows, config.hiddenSize],
               values: Array(UnsafeBufferPointer(start: x, count: rows * config.hiddenSize)))
    }

    /// x[row] = LayerNorm(word[id] + position[pos] + tokenType[type]), type 0 when `tokenTypes` is nil.
    /// - Parameter tokenTypes: `[rows]` type ids (already validated), or nil.
    func embedTokens(_ batch: [[Int]], tokenTypes: [Int]?, model: BertModel) {
        let h = config.hiddenSize, eps = config.layerNormEpsilon, out = x
        let flatIds = batch.flatMap { $0 }
        let positions = lengths.flatMap { 0..<$0 }
        model.wordEmbeddings.withUnsafeBufferPointer { word in
        model.positionEmbeddings.withUnsafeBufferPointer { pos in
        model.tokenTypeEmbeddings.withUnsafeBufferPointer { type in
        model.embeddingNormGamma.withUnsafeBufferPointer { g in
        model.embeddingNormBeta.withUnsafeBufferPointer { b in
            Parallel.forEach(count: rows, threads: threads) { r in
                let row = out + r * h, typeRow = (tokenTypes?[r] ?? 0) * h
                for j in 0..<h {
                    row[j] = word[flatIds[r] * h + j] + pos[positions[r] * h + j] + type[typeRow + j]
                }
                Kernels.layerNorm(row, gamma: g.baseAddress!, beta: b.baseAddress!, eps: eps, into: row, count: h)
            }
        }}}}}
    }

    /// One encoder layer: x = LN(x + attention(x)); x = LN(x + W2·gelu(W1·x)).
    /// Each matmul runs over blocks of rows, and right after a block's SGEMM the same worker applies
    /// that block's epilogue (bias, GELU, residual, LayerNorm) while the block is still in cache.
    func apply(_ layer: BertModel.Layer) {
        let h = config.hiddenSize, ff = config.intermediateSize
        let x = self.x, qkv = self.qkv, ffn = self.ffn, sum = self.sum
        // qkv = x · Wqkvᵀ + b
        layer.qkvBias.withUnsafeBufferPointer { bias in
            matmul(x, inputWidth: h, weight: layer.qkv, into: qkv, outputWidth: 3 * h) { row in
                Kernels.add(bias.baseAddress!, into: qkv + row * 3 * h, count: 3 * h)
            }
        }
        attention()
        // x = LN(x + context · Woᵀ + b)
        matmul(context, inputWidth: h, weight: layer.attentionOut, into: sum, outputWidth: h,
               epilogue: residualAndNormalize(bias: layer.attentionOutBias, gamma: layer.norm1Gamma,
                                              beta: layer.norm1Beta))
        // ffn = gelu(x · W1ᵀ + b1)
        layer.ffnInBias.withUnsafeBufferPointer { bias in
            matmul(x, inputWidth: h, weight: layer.ffnIn, into: ffn, outputWidth: ff) { row in
                Kernels.add(bias.baseAddress!, into: ffn + row * ff, count: ff)
                BertKernels.gelu(ffn + row * ff, count: ff)
            }
        }
        // x = LN(x + ffn · W2ᵀ + b2)
        matmul(ffn, inputWidth: ff, weight: layer.ffnOut, into: sum, outputWidth: h,
               epilogue: residualAndNormalize(bias: layer.ffnOutBias, gamma: layer.norm2Gamma, beta: layer.norm2Beta))
    }

    /// Rows per SGEMM block: one block per worker (at least 64 rows). Measured on MiniLM batches of
    /// 32×128 tokens: blocks of 256 rows lose 15% to repacking the weights per block, and 1024 or
    /// 2048 rows run as fast as one block per worker.
    private var blockRows: Int { max(64, (rows + threads - 1) / threads) }

    /// output[rows, outW] = input[rows, inW] · weight[outW, inW]ᵀ, then `epilogue(row)` for every row,
    /// block by block over the workers (single-threaded SGEMM per block).
    private func matmul(_ input: UnsafePointer<Float>, inputWidth: Int, weight: [Float],
                        into output: UnsafeMutablePointer<Float>, outputWidth: Int,
                        epilogue: (Int) -> Void) {
        BLAS.useSingleThread()
        let blockRows = self.blockRows, rows = self.rows
        let blocks = (rows + blockRows - 1) / blockRows
        weight.withUnsafeBufferPointer { w in
            Parallel.forEach(count: blocks, threads: threads) { block in
                let lo = block * blockRows, hi = min(rows, lo + blockRows)
                BLAS.sgemm(transposeB: true, m: hi - lo, n: outputWidth, k: inputWidth,
                           a: input + lo * inputWidth, lda: inputWidth, b: w.baseAddress!, ldb: inputWidth,
                           c: output + lo * outputWidth, ldc: outputWidth)
                for row in lo..<hi { epilogue(row) }
            }
        }
    }

    /// The epilogue x[row] = LayerNorm(x[row] + sum[row] + bias); `sum` holds a sublayer's matmul output.
    private func residualAndNormalize(bias: [Float], gamma: [Float], beta: [Float]) -> (Int) -> Void {
        let h = config.hiddenSize, eps = config.layerNormEpsilon, x = self.x, sum = self.sum
        return { row in
            let s = sum + row * h, out = x + row * h
            bias.withUnsafeBufferPointer { Kernels.add($0.baseAddress!, into: s, count: h) }
            Kernels.add(out, into: s, count: h)
            gamma.withUnsafeBufferPointer { g in
                beta.withUnsafeBufferPointer { b in
                    Kernels.layerNorm(s, gamma: g.baseAddress!, beta: b.baseAddress!, eps: eps, into: out, count: h)
                }
            }
        }
    }
}
