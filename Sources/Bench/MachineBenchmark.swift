import Foundation
import RagTuneTensor

/// Measures this machine's ceilings, so throughput can be reported as a fraction of them:
/// OpenBLAS SGEMM peak and memory read bandwidth.
public enum MachineBenchmark {
    /// Best SGEMM rate over a few shapes (square 1024³ and the transformer shapes RagTune runs),
    /// on `threads` cores: the larger of OpenBLAS's own threading and RagTune's row split over
    /// single-threaded OpenBLAS calls (`BLAS.parallelSgemm`). - Returns: GFLOP/s
    public static func sgemmPeak(threads: Int, seconds: Double = 2) -> Double {
        let shapes = [(1024, 1024, 1024), (4096, 1536, 384), (4096, 384, 1536)]
        var best = 0.0
        for (m, n, k) in shapes {
            let a = [Float](repeating: 0.5, count: m * k)
            let b = [Float](repeating: 0.25, count: n * k)
            var c = [Float](repeating: 0, count: m * n)
            let flops = 2.0 * Double(m) * Double(n) * Double(k)
            let slice = seconds / Double(2 * shapes.count)
            BLAS.setThreads(threads)
            let openBLAS = measure(seconds: slice) {
                BLAS.sgemm(transposeB: true, m: m, n: n, k: k, a: a, lda: k, b: b, ldb: k, c: &c, ldc: n)
            }
            let split = measure(seconds: slice) {
                BLAS.parallelSgemm(transposeB: true, m: m, n: n, k: k, a: a, lda: k, b: b, ldb: k,
                                   c: &c, ldc: n, threads: threads)
            }
            best = max(best, flops * max(openBLAS, split) / 1e9)
        }
        BLAS.useSingleThread()
        return best
    }

    /// Read bandwidth: summing a 512 MB buffer with SIMD loads on `threads` workers. - Returns: GB/s
    public static func readBandwidth(threads: Int, megabytes: Int = 512, seconds: Double = 1.0) -> Double {
        let count = megabytes * 1_000_000 / 4
        let buffer = [Float](repeating: 1, count: count)
        var sink: Float = 0
        let rate = buffer.withUnsafeBufferPointer { b -> Double in
            let base = b.baseAddress!
            return measure(seconds: seconds) {
                var partial = [Float](repeating: 0, count: max(1, threads))
                partial.withUnsafeMutableBufferPointer { p in
                    let out = p.baseAddress!
                    Parallel.forRanges(count: max(1, threads), threads: threads) { workers in
                        for w in workers {
                            let share = WorkerPool.share(of: count, worker: w, workers: threads)
                            out[w] = sum(base + share.lowerBound, count: share.count)
                        }
                    }
                }
                sink += partial.reduce(0, +)
            }
        }
        if sink == -1 { print(sink) } // keep the sums alive
        return Double(count * 4) * rate / 1e9
    }

    /// Runs `body` repeatedly for about `seconds` after one warm-up. - Returns: runs per second
    public static func measure(seconds: Double, _ body: () -> Void) -> Double {
        body()
        var runs = 0
        let start = DispatchTime.now().uptimeNanoseconds
        var elapsed = 0.0
        repeat {
            body()
            runs += 1
            elapsed = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        } while elapsed < seconds
        return Double(runs) / elapsed
    }

    private static func sum(_ p: UnsafePointer<Float>, count: Int) -> Float {
        typealias V = SIMD16<Float>
        var s0 = V(), s1 = V(), s2 = V(), s3 = V()
        var i = 0
        let raw = UnsafeRawPointer(p)
        while i + 64 <= count {
            s0 += raw.loadUnaligned(fromByteOffset: i * 4, as: V.self)
            s1 += raw.loadUnaligned(fromByteOffset: (i + 16) * 4, as: V.self)
            s2 += raw.loadUnaligned(fromByteOffset: (i + 32) * 4, as: V.self)
            s3 += raw.loadUnaligned(fromByteOffset: (i + 48) * 4, as: V.self)
            i += 64
        }
        var total = (s0 + s1 + s2 + s3).sum()
        while i < count { total += p[i]; i += 1 }
        return total
    }
}
