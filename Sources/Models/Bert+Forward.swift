import RagTuneTensor

/// Activations and scratch space of one packed BERT forward pass.
struct BertForwardPass {
    let config: BertConfig
    let lengths: [Int]
    let starts: [Int]   // first row of each sequence
    let rows: Int       // Σ lengths
    let threads: Int
    let model: BertModel

    var x: [Float]      // [rows, hidden]: the residual stream
    var qkv: [Float]    // [rows, 3·hidden]
    var context: [Float] // [rows, hidden]
    var ffn: [Float]    // [rows, intermediate]
    var sum: [Float]    // [rows, hidden]: residual + sublayer output, before LayerNorm

    init(model: BertModel, lengths: [Int], threads: Int) {
        self.model = model
        self.config = model.config
        self.lengths = lengths
        var starts: [Int] = [], total = 0
        for n in lengths { starts.append(total); total += n }
        self.starts = starts
        self.rows = total
        self.threads = max(1, threads)
        let h = config.hiddenSize
        x = [Float](repeating: 0, count: total * h)
        qkv = [Float](repeating: 0, count: total * 3 * h)
        context = [Float](repeating: 0, count: total * h)
        ffn = [Float](repeating: 0, count: total * config.intermediateSize)
        sum = [Float](repeating: 0, count: total * h)
    }

    /// x[row] = LayerNorm(word[id] + position[pos] + tokenType[0])
    mutating func embedTokens(_ batch: [[Int]]) {
        let h = config.hiddenSize, eps = config.layerNormEpsilon
        let flatIds = batch.flatMap { $0 }
        let positions = lengths.flatMap { 0..<$0 }
        x.withUnsafeMutableBufferPointer { xs in
            let out = xs.baseAddress!
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
    }

    /// One encoder layer: x = LN(x + attention(x)); x = LN(x + W2·gelu(W1·x)).
    mutating func apply(_ layer: BertModel.Layer) {
        let h = config.hiddenSize, ff = config.intermediateSize
        // qkv = x · Wqkvᵀ + b
        linear(input: x, inputWidth: h, weight: layer.qkv, bias: layer.qkvBias, residual: nil,
               output: &qkv, outputWidth: 3 * h)
        attention()
        // x = LN(x + context · Woᵀ + b)
        linear(input: context, inputWidth: h, weight: layer.attentionOut, bias: layer.attentionOutBias,
               residual: x, output: &sum, outputWidth: h)
        layerNormRows(sum, gamma: layer.norm1Gamma, beta: layer.norm1Beta, into: &x)
        // ffn = gelu(x · W1ᵀ + b1)
        linear(input: x, inputWidth: h, weight: layer.ffnIn, bias: layer.ffnInBias, residual: nil,
               output: &ffn, outputWidth: ff)
        let workers = threads
        ffn.withUnsafeMutableBufferPointer { f in
            let base = f.baseAddress!
            Parallel.forRanges(count: rows, threads: workers) { range in
                Kernels.gelu(base + range.lowerBound * ff, count: range.count * ff)
            }
        }
        // x = LN(x + ffn · W2ᵀ + b2)
        linear(input: ffn, inputWidth: ff, weight: layer.ffnOut, bias: layer.ffnOutBias, residual: x,
               output: &sum, outputWidth: h)
        layerNormRows(sum, gamma: layer.norm2Gamma, beta: layer.norm2Beta, into: &x)
    }

    /// output[rows, outW] = input[rows, inW] · weight[outW, inW]ᵀ + bias (+ residual[rows, outW]).
    /// The bias (and residual) is written first, then SGEMM accumulates with beta = 1.
    private func linear(input: [Float], inputWidth: Int, weight: [Float], bias: [Float], residual: [Float]?,
                        output: inout [Float], outputWidth: Int) {
        let n = rows
        output.withUnsafeMutableBufferPointer { o in
            let out = o.baseAddress!
            bias.withUnsafeBufferPointer { b in
                let bp = b.baseAddress!
                if let residual {
                    residual.withUnsafeBufferPointer { r in
                        let rp = r.baseAddress!
                        Parallel.forEach(count: n, threads: threads) { row in
                            let dst = out + row * outputWidth
                            dst.update(from: rp + row * outputWidth, count: outputWidth)
                            Kernels.add(bp, into: dst, count: outputWidth)
                        }
                    }
                } else {
                    for row in 0..<n { (out + row * outputWidth).update(from: bp, count: outputWidth) }
                }
            }
            BLAS.setThreads(threads)
            input.withUnsafeBufferPointer { a in
                weight.withUnsafeBufferPointer { w in
                    BLAS.sgemm(transposeB: true, m: n, n: outputWidth, k: inputWidth,
                               a: a.baseAddress!, lda: inputWidth, b: w.baseAddress!, ldb: inputWidth,
                               beta: 1, c: out, ldc: outputWidth)
                }
            }
        }
    }

    private func layerNormRows(_ input: [Float], gamma: [Float], beta: [Float], into output: inout [Float]) {
        let h = config.hiddenSize, eps = config.layerNormEpsilon
        input.withUnsafeBufferPointer { i in
            output.withUnsafeMutableBufferPointer { o in
                gamma.withUnsafeBufferPointer { g in
                    beta.withUnsafeBufferPointer { b in
                        let ip = i.baseAddress!, op = o.baseAddress!
                        Parallel.forEach(count: rows, threads: threads) { r in
                            Kernels.layerNorm(ip + r * h, gamma: g.baseAddress!, beta: b.baseAddress!, eps: eps,
                                              into: op + r * h, count: h)
                        }
                    }
                }
            }
        }
    }

    /// context = softmax(Q·Kᵀ/√d)·V per sequence and head, over the sequence's own tokens.
    /// (sequence, head) pairs are spread over the workers, each running single-threaded SGEMM.
    private mutating func attention() {
        let h = config.hiddenSize, d = config.headSize, heads = config.headCount
        let scale = 1 / Float(d).squareRoot()
        let maxLength = lengths.max() ?? 0
        let jobs = lengths.count * heads
        let workers = min(threads, jobs)
        let lengths = self.lengths, starts = self.starts
        BLAS.setThreads(1)
        var scores = [Float](repeating: 0, count: workers * maxLength * maxLength)
        qkv.withUnsafeBufferPointer { q in
            context.withUnsafeMutableBufferPointer { c in
                scores.withUnsafeMutableBufferPointer { s in
                    let qp = q.baseAddress!, cp = c.baseAddress!, sp = s.baseAddress!
                    Parallel.forRanges(count: workers, threads: workers) { workerRange in
                        for worker in workerRange {
                            let scratch = sp + worker * maxLength * maxLength
                            for job in stride(from: worker, to: jobs, by: workers) {
                                let seq = job / heads, head = job % heads
                                let n = lengths[seq], row0 = starts[seq]
                                let query = qp + row0 * 3 * h + head * d
                                let key = query + h, value = query + 2 * h
                                BLAS.sgemm(transposeB: true, m: n, n: n, k: d, alpha: scale,
                                           a: query, lda: 3 * h, b: key, ldb: 3 * h, c: scratch, ldc: n)
                                for i in 0..<n { Kernels.softmax(scratch + i * n, count: n) }
                                BLAS.sgemm(m: n, n: d, k: n, a: scratch, lda: n, b: value, ldb: 3 * h,
                                           c: cp + row0 * h + head * d, ldc: h)
                            }
                        }
                    }
                }
            }
        }
    }
}
