import RagTuneTensor

/// One LoRA adapter as seen by a linear layer (PEFT's `lora.Linear`): A `[r, in]`, B `[out, r]`,
/// scale α/r, and the dropout applied to the adapter's input only.
struct LoRAView {
    let a: UnsafePointer<Float>  // [r, in]
    let b: UnsafePointer<Float>  // [out, r]
    let rank: Int
    let scale: Float
    /// nil: no dropout (p = 0 or evaluation).
    let dropout: Dropout?
}

/// y = x·Wᵀ with a frozen W `[out, in]`, plus an optional LoRA term s·(dropout(x)·Aᵀ)·Bᵀ.
/// Every product is an SGEMM; the large ones are split over `threads` (`BLAS.parallelSgemm`).
enum LinearLayer {
    /// - Parameters:
    ///   - x: `[rows, in]`
    ///   - weight: W `[out, in]` (Float32, e.g. just dequantized)
    ///   - y: `[rows, out]` output
    ///   - loraHidden: `[rows, r]` receives u = dropout(x)·Aᵀ (kept for the backward pass)
    ///   - dropped: `[rows, in]` scratch for dropout(x), used when the adapter has dropout
    static func forward(_ x: UnsafePointer<Float>, rows: Int, inFeatures: Int, outFeatures: Int,
                        weight: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>,
                        lora: LoRAView?, loraHidden: UnsafeMutablePointer<Float>?,
                        dropped: UnsafeMutablePointer<Float>, threads: Int) {
        BLAS.parallelSgemm(transposeB: true, m: rows, n: outFeatures, k: inFeatures, a: x, lda: inFeatures,
                           b: weight, ldb: inFeatures, c: y, ldc: outFeatures, threads: threads)
        guard let lora, let u = loraHidden else { return }
        let input = adapterInput(x, count: rows * inFeatures, lora: lora, dropped: dropped)
        BLAS.sgemm(transposeB: true, m: rows, n: lora.rank, k: inFeatures, a: input, lda: inFeatures,
                   b: lora.a, ldb: inFeatures, c: u, ldc: lora.rank)
        BLAS.sgemm(transposeB: true, m: rows, n: outFeatures, k: lora.rank, alpha: lora.scale, a: u, lda: lora.rank,
                   b: lora.b, ldb: lora.rank, beta: 1, c: y, ldc: outFeatures)
    }

    /// With dy `[rows, out]`: dx += dy·W + dropoutᵀ(s·dy·B·A); dB += s·dyᵀ·u; dA += (s·dy·B)ᵀ·dropout(x).
    /// - Parameters:
    ///   - dx: `[rows, in]`, accumulated into
    ///   - gradA, gradB: `[r, in]`, `[out, r]`, accumulated into (required with `lora`)
    ///   - scratch: `[rows, in + r]`
    static func backward(_ dy: UnsafePointer<Float>, x: UnsafePointer<Float>, rows: Int, inFeatures: Int,
                         outFeatures: Int, weight: UnsafePointer<Float>, dx: UnsafeMutablePointer<Float>,
                         lora: LoRAView?, loraHidden: UnsafePointer<Float>?,
                         gradA: UnsafeMutablePointer<Float>?, gradB: UnsafeMutablePointer<Float>?,
                         scratch: UnsafeMutablePointer<Float>, threads: Int) {
        BLAS.parallelSgemm(m: rows, n: inFeatures, k: outFeatures, a: dy, lda: outFeatures,
                           b: weight, ldb: inFeatures, beta: 1, c: dx, ldc: inFeatures, threads: threads)
        guard let lora, let u = loraHidden, let gradA, let gradB else { return }
        let r = lora.rank
        let du = scratch, dropped = scratch + rows * r
        // dB[out, r] += s · dyᵀ · u
        BLAS.sgemm(transposeA: true, m: outFeatures, n: r, k: rows, alpha: lora.scale, a: dy, lda: outFeatures,
                   b: u, ldb: r, beta: 1, c: gradB, ldc: r)
        // du[rows, r] = s · dy · B
        BLAS.sgemm(m: rows, n: r, k: outFeatures, alpha: lora.scale, a: dy, lda: outFeatures,
                   b: lora.b, ldb: r, c: du, ldc: r)
        // dA[r, in] += duᵀ · dropout(x)
        let input = adapterInput(x, count: rows * inFeatures, lora: lora, dropped: dropped)
        BLAS.sgemm(transposeA: true, m: r, n: inFeatures, k: rows, a: du, lda: r,
                   b: input, ldb: inFeatures, beta: 1, c: gradA, ldc: inFeatures)
        // dx += dropoutᵀ(du · A): the same mask, applied to the gradient
        if let dropout = lora.dropout {
            BLAS.sgemm(m: rows, n: inFeatures, k: r, a: du, lda: r, b: lora.a, ldb: inFeatures,
                       c: dropped, ldc: inFeatures)
            dropout.apply(dropped, into: dropped, count: rows * inFeatures)
            Kernels.add(dropped, into: dx, count: rows * inFeatures)
        } else {
            BLAS.sgemm(m: rows, n: inFeatures, k: r, a: du, lda: r, b: lora.a, ldb: inFeatures,
                       beta: 1, c: dx, ldc: inFeatures)
        }
    }

    /// dropout(x) in `dropped`, or `x` itself without dropout.
    private static func adapterInput(_ x: UnsafePointer<Float>, count: Int, lora: LoRAView,
                                     dropped: UnsafeMutablePointer<Float>) -> UnsafePointer<Float> {
        guard let dropout = lora.dropout else { return x }
        dropout.apply(x, into: dropped, count: count)
        return UnsafePointer(dropped)
    }
}
