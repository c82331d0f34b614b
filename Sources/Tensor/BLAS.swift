import CBLAS

/// Thin wrappers over OpenBLAS (Debian's `libopenblas-dev`, pthread flavour). All matrices are
/// row-major; leading dimensions are in elements.
public enum BLAS {
    /// `C[m, n] = alpha * op(A) · op(B) + beta * C`, where `op(A)` is `[m, k]` and `op(B)` is `[k, n]`.
    /// With `transposeB`, `B` is stored `[n, k]` (a PyTorch `Linear` weight `[out, in]`).
    public static func sgemm(
        transposeA: Bool = false, transposeB: Bool = false,
        m: Int, n: Int, k: Int, alpha: Float = 1,
        a: UnsafePointer<Float>, lda: Int,
        b: UnsafePointer<Float>, ldb: Int,
        beta: Float = 0,
        c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        guard m > 0, n > 0 else { return }
        cblas_sgemm(CblasRowMajor,
                    transposeA ? CblasTrans : CblasNoTrans,
                    transposeB ? CblasTrans : CblasNoTrans,
                    blasint(m), blasint(n), blasint(k), alpha,
                    a, blasint(lda), b, blasint(ldb), beta, c, blasint(ldc))
    }

    /// `y[m] = alpha * A[m, n] · x[n] + beta * y` (or `Aᵀ · x` with `transpose`, then `y` has `n`).
    public static func sgemv(
        transpose: Bool = false, m: Int, n: Int, alpha: Float = 1,
        a: UnsafePointer<Float>, lda: Int,
        x: UnsafePointer<Float>, beta: Float = 0,
        y: UnsafeMutablePointer<Float>
    ) {
        guard m > 0, n > 0 else { return }
        cblas_sgemv(CblasRowMajor, transpose ? CblasTrans : CblasNoTrans,
                    blasint(m), blasint(n), alpha, a, blasint(lda), x, 1, beta, y, 1)
    }

    /// Threads OpenBLAS uses for one call. This is process-wide state inside OpenBLAS itself;
    /// callers that care (benchmarks, the embedder) set it explicitly before their work.
    public static var threads: Int { Int(openblas_get_num_threads()) }

    /// Sets the number of OpenBLAS threads (clamped to at least 1). Only benchmarks measuring
    /// OpenBLAS's own threading call this; model code calls `useSingleThread()`.
    public static func setThreads(_ count: Int) {
        openblas_set_num_threads(Int32(max(1, count)))
    }

    /// Makes OpenBLAS run single-threaded, as all of RagTune's model code needs: the parallelism
    /// comes from RagTune's own workers (`parallelSgemm`, `WorkerPool`), each calling OpenBLAS on
    /// its own block, so OpenBLAS's threads would only spin on the same cores. Cheap when already so.
    public static func useSingleThread() {
        if threads != 1 { setThreads(1) }
    }

    /// The OpenBLAS kernel in use, e.g. `SkylakeX` or `Haswell` (affected by `OPENBLAS_CORETYPE`).
    public static var coreName: String {
        guard let name = openblas_get_corename() else { return "unknown" }
        return String(cString: name)
    }

    /// OpenBLAS build configuration string (version, threading, max threads).
    public static var configuration: String {
        guard let config = openblas_get_config() else { return "unknown" }
        return String(cString: config)
    }
}

extension Tensor {
    /// Matrix product of two matrix views: `self` is `[m, k]`, `other` is `[k, n]`, or `[n, k]`
    /// with `transposeOther` (a `Linear` weight). - Returns: `[m, n]`.
    public func matmul(_ other: Tensor, transposeOther: Bool = false) -> Tensor {
        let m = rows, k = columns
        let n = transposeOther ? other.rows : other.columns
        precondition((transposeOther ? other.columns : other.rows) == k,
                     "matmul shape mismatch: \(shape) x \(other.shape) (transposed: \(transposeOther))")
        var out = Tensor(zeros: [m, n])
        withUnsafeBufferPointer { a in
            other.withUnsafeBufferPointer { b in
                out.withUnsafeMutableBufferPointer { c in
                    BLAS.sgemm(transposeB: transposeOther, m: m, n: n, k: k,
                               a: a.baseAddress!, lda: k, b: b.baseAddress!, ldb: other.columns,
                               c: c.baseAddress!, ldc: n)
                }
            }
        }
        return out
    }
}

extension BLAS {
    /// SGEMM split over `threads` workers of RagTune's own `Parallel`, each calling OpenBLAS
    /// single-threaded on a block of rows of `C` (or of columns when `m` is small). Keeping all
    /// parallelism in one place avoids OpenBLAS's worker threads spinning while RagTune's element-wise
    /// kernels want the same cores. Calls `useSingleThread()` itself.
    public static func parallelSgemm(
        transposeA: Bool = false, transposeB: Bool = false,
        m: Int, n: Int, k: Int, alpha: Float = 1,
        a: UnsafePointer<Float>, lda: Int,
        b: UnsafePointer<Float>, ldb: Int,
        beta: Float = 0,
        c: UnsafeMutablePointer<Float>, ldc: Int,
        threads: Int
    ) {
        useSingleThread()
        let workers = max(1, min(threads, max(m, n) / 64))
        guard workers > 1 else {
            sgemm(transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k, alpha: alpha,
                  a: a, lda: lda, b: b, ldb: ldb, beta: beta, c: c, ldc: ldc)
            return
        }
        let work = UnsafeTransfer(value: (a, b, c))
        if m >= n {
            Parallel.forRanges(count: m, threads: workers) { rows in
                let (a, b, c) = work.value
                let aRows = transposeA ? a + rows.lowerBound : a + rows.lowerBound * lda
                sgemm(transposeA: transposeA, transposeB: transposeB, m: rows.count, n: n, k: k, alpha: alpha,
                      a: aRows, lda: lda, b: b, ldb: ldb, beta: beta, c: c + rows.lowerBound * ldc, ldc: ldc)
            }
        } else {
            Parallel.forRanges(count: n, threads: workers) { cols in
                let (a, b, c) = work.value
                let bCols = transposeB ? b + cols.lowerBound * ldb : b + cols.lowerBound
                sgemm(transposeA: transposeA, transposeB: transposeB, m: m, n: cols.count, k: k, alpha: alpha,
                      a: a, lda: lda, b: bCols, ldb: ldb, beta: beta, c: c + cols.lowerBound, ldc: ldc)
            }
        }
    }
}
