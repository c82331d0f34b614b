import RagTuneTensor

/// Causal grouped-query self-attention over one sequence (query head h reads KV head
/// h / (heads / kvHeads)), forward and backward, as `LlamaSession` computes it at prefill.
/// The forward pass keeps the softmax probabilities `[heads, T, T]` (zero above the diagonal) for
/// the backward pass. Heads are spread over the workers of a `WorkerPool`.
struct AttentionLayer {
    let rows: Int        // T
    let heads: Int       // H
    let kvHeads: Int     // KV
    let headSize: Int    // hs

    var queryWidth: Int { heads * headSize }
    var kvWidth: Int { kvHeads * headSize }
    var group: Int { heads / kvHeads }
    var scale: Float { 1 / Float(headSize).squareRoot() }

    /// - Parameters:
    ///   - q: `[T, H·hs]` (after RoPE); k, v: `[T, KV·hs]` (k after RoPE)
    ///   - probs: `[H, T, T]` receives softmax(q·kᵀ/√hs) with the causal mask
    ///   - out: `[T, H·hs]`, heads side by side
    func forward(q: UnsafePointer<Float>, k: UnsafePointer<Float>, v: UnsafePointer<Float>,
                 probs: UnsafeMutablePointer<Float>, into out: UnsafeMutablePointer<Float>, pool: WorkerPool) {
        let t = rows, d = queryWidth, kv = kvWidth, hs = headSize
        pool.run { worker in
            for h in stride(from: worker, to: heads, by: pool.threadCount) {
                let p = probs + h * t * t, kvOffset = (h / group) * hs
                // S = Q_h · K_gᵀ / √hs, causal mask, row softmax; out_h = P · V_g
                BLAS.sgemm(transposeB: true, m: t, n: t, k: hs, alpha: scale, a: q + h * hs, lda: d,
                           b: k + kvOffset, ldb: kv, c: p, ldc: t)
                for i in 0..<t {
                    let row = p + i * t
                    (row + i + 1).update(repeating: 0, count: t - i - 1)
                    Kernels.softmax(row, count: i + 1)
                }
                BLAS.sgemm(m: t, n: hs, k: t, a: p, lda: t, b: v + kvOffset, ldb: kv, c: out + h * hs, ldc: d)
            }
        }
    }

    /// Floats of scratch the backward pass needs.
    func backwardScratchCount(workers: Int) -> Int { workers * rows * rows + 2 * heads * rows * headSize }

    /// With dO `[T, H·hs]`: dP = dO_h·V_gᵀ, dS = P ⊙ (dP − rowsum(P ⊙ dP)) / √hs, dQ_h = dS·K_g,
    /// dK_g = Σ_h dSᵀ·Q_h, dV_g = Σ_h Pᵀ·dO_h over the heads h of group g.
    /// - Parameters:
    ///   - dq: `[T, H·hs]`, dk, dv: `[T, KV·hs]`: written (not accumulated)
    ///   - scratch: `backwardScratchCount(workers:)` floats
    func backward(_ dOut: UnsafePointer<Float>, q: UnsafePointer<Float>, k: UnsafePointer<Float>,
                  v: UnsafePointer<Float>, probs: UnsafePointer<Float>, dq: UnsafeMutablePointer<Float>,
                  dk: UnsafeMutablePointer<Float>, dv: UnsafeMutablePointer<Float>,
                  scratch: UnsafeMutablePointer<Float>, pool: WorkerPool) {
        let t = rows, d = queryWidth, kv = kvWidth, hs = headSize
        let headKeys = scratch + pool.threadCount * t * t   // [H, T, hs] per-head dK
        let headValues = headKeys + heads * t * hs          // [H, T, hs] per-head dV
        pool.run { worker in
            let ds = scratch + worker * t * t
            for h in stride(from: worker, to: heads, by: pool.threadCount) {
                let p = probs + h * t * t, kvOffset = (h / group) * hs
                BLAS.sgemm(transposeB: true, m: t, n: t, k: hs, a: dOut + h * hs, lda: d,
                           b: v + kvOffset, ldb: kv, c: ds, ldc: t)
                for i in 0..<t {
                    let pr = p + i * t, sr = ds + i * t
                    let dot = Kernels.dot(pr, sr, count: i + 1)
                    for j in 0...i { sr[j] = pr[j] * (sr[j] - dot) * scale }
                    (sr + i + 1).update(repeating: 0, count: t - i - 1)
                }
                BLAS.sgemm(m: t, n: hs, k: t, a: ds, lda: t, b: k + kvOffset, ldb: kv, c: dq + h * hs, ldc: d)
                BLAS.sgemm(transposeA: true, m: t, n: hs, k: t, a: ds, lda: t, b: q + h * hs, ldb: d,
                           c: headKeys + h * t * hs, ldc: hs)
                BLAS.sgemm(transposeA: true, m: t, n: hs, k: t, a: p, lda: t, b: dOut + h * hs, ldb: d,
                           c: headValues + h * t * hs, ldc: hs)
            }
        }
        // sum the heads of each group into its KV head
        dk.update(repeating: 0, count: t * kv)
        dv.update(repeating: 0, count: t * kv)
        for h in 0..<heads {
            let kvOffset = (h / group) * hs
            for i in 0..<t {
                Kernels.add(headKeys + (h * t + i) * hs, into: dk + i * kv + kvOffset, count: hs)
                Kernels.add(headValues + (h * t + i) * hs, into: dv + i * kv + kvOffset, count: hs)
            }
        }
    }
}
