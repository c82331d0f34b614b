import RagTuneTensor

/// How `BertForwardPass` computes softmax(Q·Kᵀ/√d)·V for one sequence and head.
enum BertAttentionKernel: Sendable {
    /// `FusedAttention`: blocks of 8 queries, scores kept in L1, SIMD FMA tiles. Needs a head
    /// size that is a multiple of 16 (MiniLM: 32).
    case fused
    /// Two single-threaded OpenBLAS SGEMMs around a row softmax (any head size).
    case blas

    /// `fused` when the head size allows it.
    static func preferred(headSize: Int) -> BertAttentionKernel {
        headSize % FusedAttention.width == 0 ? .fused : .blas
    }

    /// Floats of scratch one worker needs for sequences up to `maxLength` tokens.
    func scratchCount(maxLength: Int, headSize: Int) -> Int {
        switch self {
        case .fused: return FusedAttention.scratchCount(length: maxLength, headSize: headSize)
        case .blas: return maxLength * maxLength
        }
    }
}

extension BertForwardPass {
    /// context = softmax(Q·Kᵀ/√d)·V per sequence and head, over the sequence's own tokens.
    /// (sequence, head) pairs are spread over the workers, each single-threaded.
    func attention() {
        let h = config.hiddenSize, d = config.headSize, heads = config.headCount
        let scale = 1 / Float(d).squareRoot()
        let jobs = lengths.count * heads
        let workers = min(threads, jobs)
        let lengths = self.lengths, starts = self.starts, kernel = attentionKernel
        let qkv = self.qkv, context = self.context
        let scratchBase = attentionScratch, scratchCount = self.scratchCount
        if kernel == .blas { BLAS.useSingleThread() } // one single-threaded SGEMM per worker
        Parallel.forEach(count: workers, threads: workers) { worker in
            let scratch = scratchBase + worker * scratchCount
            for job in stride(from: worker, to: jobs, by: workers) {
                let seq = job / heads, head = job % heads
                let n = lengths[seq], row0 = starts[seq]
                let query = qkv + row0 * 3 * h + head * d
                let output = context + row0 * h + head * d
                switch kernel {
                case .fused:
                    FusedAttention.run(query: query, key: query + h, value: query + 2 * h, stride: 3 * h,
                                       length: n, headSize: d, scale: scale,
                                       output: output, outputStride: h, scratch: scratch)
                case .blas:
                    BLAS.sgemm(transposeB: true, m: n, n: n, k: d, alpha: scale,
                               a: query, lda: 3 * h, b: query + h, ldb: 3 * h, c: scratch, ldc: n)
                    for i in 0..<n { Kernels.softmax(scratch + i * n, count: n) }
                    BLAS.sgemm(m: n, n: d, k: n, a: scratch, lda: n, b: query + 2 * h, ldb: 3 * h,
                               c: output, ldc: h)
                }
            }
        }
    }
}

/// Attention of one head over one sequence, fused: for each block of 8 queries, the scores
/// against all keys (Q·Kᵀ, 8×32-float FMA tiles over a transposed copy of K), the row softmax
/// and the product with V are done while the 8 score rows sit in L1. The softmax division is
/// applied to the `headSize` outputs instead of the `length` probabilities.
///
/// On SciFact-length inputs (256 tokens, head size 32) OpenBLAS runs these k=32 and n=32 SGEMMs
/// at about a third of its large-matrix rate, and the separate softmax streams a 256 KB score
/// matrix through L2 three times: attention took ~30% of a 1-thread SciFact profile, fused ~12%.
enum FusedAttention: SIMD16FloatAccess {
    typealias V = SIMD16<Float>
    static let width = 16
    static let blockRows = 8

    /// Floats of scratch for `length` tokens: Kᵀ `[headSize, padded]` + scores `[8, padded]`.
    static func scratchCount(length: Int, headSize: Int) -> Int {
        let padded = (length + width - 1) / width * width
        return (headSize + blockRows) * padded
    }

    /// output[i] = Σⱼ softmax(scale · q[i]·k[j])ⱼ · v[j] for i, j < length.
    /// - Parameters:
    ///   - query, key, value: row i of each at `+ i·stride`, `headSize` floats (a multiple of 16).
    ///   - output: row i at `+ i·outputStride`, `headSize` floats.
    ///   - scratch: `scratchCount(length:headSize:)` floats.
    static func run(query: UnsafePointer<Float>, key: UnsafePointer<Float>, value: UnsafePointer<Float>,
                    stride: Int, length n: Int, headSize d: Int, scale: Float,
                    output: UnsafeMutablePointer<Float>, outputStride: Int, scratch: UnsafeMutablePointer<Float>) {
        precondition(d % width == 0 && n > 0, "fused attention needs a head size that is a multiple of 16")
        let padded = (n + width - 1) / width * width
        // keysT[c, j] = key[j, c], zero past n: [d, padded]
        let keysT = scratch, scores = scratch + d * padded
        for c in 0..<d { (keysT + c * padded + n).initialize(repeating: 0, count: padded - n) }
        for j in 0..<n {
            let row = key + j * stride
            for c in 0..<d { keysT[c * padded + j] = row[c] }
        }
        withUnsafeTemporaryAllocation(of: Float.self, capacity: blockRows) { sums in
            var i0 = 0
            while i0 < n {
                let rows = min(blockRows, n - i0)
                // scores[r, 0..<padded] = scale · q[i0 + r] · Kᵀ → softmax numerators (0 past n)
                product(a: query + i0 * stride, lda: stride, rows: rows, b: keysT, ldb: padded, k: d,
                        c: scores, ldc: padded, columns: padded, alpha: scale)
                for r in 0..<rows {
                    sums[r] = BertKernels.softmaxNumerators(scores + r * padded, count: n, padded: padded)
                }
                // output[i0 + r] = scores[r, 0..<n] · V / sums[r]
                let out = output + i0 * outputStride
                product(a: scores, lda: padded, rows: rows, b: value, ldb: stride, k: n,
                        c: out, ldc: outputStride, columns: d, alpha: 1)
                for r in 0..<rows { Kernels.scale(out + r * outputStride, by: 1 / sums[r], count: d) }
                i0 += rows
            }
        }
    }

    /// c[rows, columns] = alpha · a[rows, k] · b[k, columns]; `rows` ≤ 8, `columns` a multiple of 16.
    @inline(__always)
    static func product(a: UnsafePointer<Float>, lda: Int, rows: Int, b: UnsafePointer<Float>, ldb: Int, k: Int,
                        c: UnsafeMutablePointer<Float>, ldc: Int, columns: Int, alpha: Float) {
        if rows == blockRows {
            var j = 0
            while j + 2 * width <= columns {
                tile8x32(a: a, lda: lda, b: b + j, ldb: ldb, k: k, c: c + j, ldc: ldc, alpha: alpha)
                j += 2 * width
            }
            if j < columns { tile8x16(a: a, lda: lda, b: b + j, ldb: ldb, k: k, c: c + j, ldc: ldc, alpha: alpha) }
        } else {
            for r in 0..<rows {
                var j = 0
                while j < columns {
                    tile1x16(a: a + r * lda, b: b + j, ldb: ldb, k: k, c: c + r * ldc + j, alpha: alpha)
                    j += width
                }
            }
        }
    }

    /// c[8, 32] = a[8, k] · b[k, 32]: 16 accumulators, one 2-vector row of b and 8 broadcasts per step.
    @inline(__always)
    static func tile8x32(a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int, k: Int,
                         c: UnsafeMutablePointer<Float>, ldc: Int, alpha: Float) {
        var c00 = V(), c01 = V(), c10 = V(), c11 = V(), c20 = V(), c21 = V(), c30 = V(), c31 = V()
        var c40 = V(), c41 = V(), c50 = V(), c51 = V(), c60 = V(), c61 = V(), c70 = V(), c71 = V()
        let a0 = a, a1 = a + lda, a2 = a + 2 * lda, a3 = a + 3 * lda
        let a4 = a + 4 * lda, a5 = a + 5 * lda, a6 = a + 6 * lda, a7 = a + 7 * lda
        var bp = b
        for p in 0..<k {
            let b0 = load(bp), b1 = load(bp + width)
            var x = V(repeating: a0[p]); c00 = c00.addingProduct(x, b0); c01 = c01.addingProduct(x, b1)
            x = V(repeating: a1[p]); c10 = c10.addingProduct(x, b0); c11 = c11.addingProduct(x, b1)
            x = V(repeating: a2[p]); c20 = c20.addingProduct(x, b0); c21 = c21.addingProduct(x, b1)
            x = V(repeating: a3[p]); c30 = c30.addingProduct(x, b0); c31 = c31.addingProduct(x, b1)
            x = V(repeating: a4[p]); c40 = c40.addingProduct(x, b0); c41 = c41.addingProduct(x, b1)
            x = V(repeating: a5[p]); c50 = c50.addingProduct(x, b0); c51 = c51.addingProduct(x, b1)
            x = V(repeating: a6[p]); c60 = c60.addingProduct(x, b0); c61 = c61.addingProduct(x, b1)
            x = V(repeating: a7[p]); c70 = c70.addingProduct(x, b0); c71 = c71.addingProduct(x, b1)
            bp += ldb
        }
        let s = V(repeating: alpha)
        store(c00 * s, c); store(c01 * s, c + width)
        store(c10 * s, c + ldc); store(c11 * s, c + ldc + width)
        store(c20 * s, c + 2 * ldc); store(c21 * s, c + 2 * ldc + width)
        store(c30 * s, c + 3 * ldc); store(c31 * s, c + 3 * ldc + width)
        store(c40 * s, c + 4 * ldc); store(c41 * s, c + 4 * ldc + width)
        store(c50 * s, c + 5 * ldc); store(c51 * s, c + 5 * ldc + width)
        store(c60 * s, c + 6 * ldc); store(c61 * s, c + 6 * ldc + width)
        store(c70 * s, c + 7 * ldc); store(c71 * s, c + 7 * ldc + width)
    }

    /// c[8, 16] = a[8, k] · b[k, 16]
    @inline(__always)
    static func tile8x16(a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int, k: Int,
                         c: UnsafeMutablePointer<Float>, ldc: Int, alpha: Float) {
        var c0 = V(), c1 = V(), c2 = V(), c3 = V(), c4 = V(), c5 = V(), c6 = V(), c7 = V()
        var bp = b
        for p in 0..<k {
            let b0 = load(bp)
            c0 = c0.addingProduct(V(repeating: a[p]), b0)
            c1 = c1.addingProduct(V(repeating: a[lda + p]), b0)
            c2 = c2.addingProduct(V(repeating: a[2 * lda + p]), b0)
            c3 = c3.addingProduct(V(repeating: a[3 * lda + p]), b0)
            c4 = c4.addingProduct(V(repeating: a[4 * lda + p]), b0)
            c5 = c5.addingProduct(V(repeating: a[5 * lda + p]), b0)
            c6 = c6.addingProduct(V(repeating: a[6 * lda + p]), b0)
            c7 = c7.addingProduct(V(repeating: a[7 * lda + p]), b0)
            bp += ldb
        }
        let s = V(repeating: alpha)
        store(c0 * s, c); store(c1 * s, c + ldc); store(c2 * s, c + 2 * ldc); store(c3 * s, c + 3 * ldc)
        store(c4 * s, c + 4 * ldc); store(c5 * s, c + 5 * ldc); store(c6 * s, c + 6 * ldc); store(c7 * s, c + 7 * ldc)
    }

    /// c[16] = a[k] · b[k, 16], with two accumulators (even and odd steps).
    @inline(__always)
    static func tile1x16(a: UnsafePointer<Float>, b: UnsafePointer<Float>, ldb: Int, k: Int,
                         c: UnsafeMutablePointer<Float>, alpha: Float) {
        var even = V(), odd = V()
        var p = 0
        while p + 1 < k {
            even = even.addingProduct(V(repeating: a[p]), load(b + p * ldb))
            odd = odd.addingProduct(V(repeating: a[p + 1]), load(b + (p + 1) * ldb))
            p += 2
        }
        if p < k { even = even.addingProduct(V(repeating: a[p]), load(b + p * ldb)) }
        store((even + odd) * V(repeating: alpha), c)
    }
}
