import Testing
@testable import RagTuneTensor

@Suite struct BLASTests {
    @Test func matmulMatchesNaive() {
        var rng = SplitMix64(seed: 9)
        let a = Tensor(shape: [5, 7], values: rng.floats(35))
        let w = Tensor(shape: [3, 7], values: rng.floats(21)) // Linear weight [out, in]
        let y = a.matmul(w, transposeOther: true)
        #expect(y.shape == [5, 3])
        for i in 0..<5 {
            for j in 0..<3 {
                var s: Float = 0
                for k in 0..<7 { s += a[i, k] * w[j, k] }
                #expect(abs(y[i, j] - s) < 1e-5)
            }
        }
        let b = Tensor(shape: [7, 3], values: (0..<7).flatMap { k in (0..<3).map { j in w[j, k] } })
        #expect(a.matmul(b).storage.enumerated().allSatisfy { abs($0.element - y.storage[$0.offset]) < 1e-5 })
    }

    @Test(arguments: [(300, 70, 33), (3, 500, 40), (129, 129, 1)])
    func parallelSgemmEqualsSingleCall(m: Int, n: Int, k: Int) {
        var rng = SplitMix64(seed: UInt64(m * n * k))
        let a = rng.floats(m * k), b = rng.floats(n * k)
        var serial = rng.floats(m * n), parallel = serial
        BLAS.setThreads(1)
        BLAS.sgemm(transposeB: true, m: m, n: n, k: k, alpha: 0.5, a: a, lda: k, b: b, ldb: k,
                   beta: 1, c: &serial, ldc: n)
        BLAS.parallelSgemm(transposeB: true, m: m, n: n, k: k, alpha: 0.5, a: a, lda: k, b: b, ldb: k,
                           beta: 1, c: &parallel, ldc: n, threads: 2)
        #expect(zip(serial, parallel).allSatisfy { abs($0 - $1) <= 1e-5 })
    }

    @Test func sgemvAndThreads() {
        let a: [Float] = [1, 2, 3, 4, 5, 6] // [2, 3]
        let x: [Float] = [1, 1, 1]
        var y: [Float] = [0, 0]
        BLAS.sgemv(m: 2, n: 3, a: a, lda: 3, x: x, y: &y)
        #expect(y == [6, 15])
        BLAS.setThreads(1)
        #expect(BLAS.threads == 1)
        #expect(!BLAS.coreName.isEmpty)
    }

    @Test func parallelCoversEveryIndexOnce() {
        var hits = [Int](repeating: 0, count: 1000)
        hits.withUnsafeMutableBufferPointer { h in
            let base = h.baseAddress!
            Parallel.forEach(count: 1000, threads: 2) { base[$0] += 1 }
        }
        #expect(hits.allSatisfy { $0 == 1 })
    }
}
