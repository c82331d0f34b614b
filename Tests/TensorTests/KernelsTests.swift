import Foundation
import Testing
@testable import RagTuneTensor

@Suite struct KernelsTests {
    @Test func dotMatchesDoubleSum() {
        var rng = SplitMix64(seed: 1)
        for n in [0, 1, 15, 16, 17, 63, 64, 65, 384, 1000] {
            let a = rng.floats(n), b = rng.floats(n)
            let expected = zip(a, b).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
            let got = Kernels.dot(a, b, count: n)
            #expect(abs(Double(got) - expected) <= 1e-5 * Double(max(1, n)), "n=\(n)")
        }
    }

    @Test func axpyAddScale() {
        var y: [Float] = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17]
        let x = [Float](repeating: 2, count: 17)
        Kernels.axpy(0.5, x, &y, count: 17)
        #expect(y == (1...17).map { Float($0) + 1 })
        Kernels.add(x, into: &y, count: 17)
        #expect(y == (1...17).map { Float($0) + 3 })
        Kernels.scale(&y, by: 2, count: 17)
        #expect(y == (1...17).map { 2 * Float($0) + 6 })
    }

    @Test func expIsAccurate() {
        var worst: Double = 0
        var x: Float = -87
        while x < 88 {
            let v = VectorMath.exp(SIMD16<Float>(repeating: x))[0]
            let ref = Foundation.exp(Double(x))
            worst = max(worst, abs(Double(v) - ref) / ref)
            x += 0.0371
        }
        #expect(worst < 3e-7, "worst relative error \(worst)")
        #expect(VectorMath.exp(SIMD16<Float>(repeating: -200))[0] == 0)
        #expect(VectorMath.exp(SIMD16<Float>(repeating: 100))[0] == .infinity)
        #expect(VectorMath.exp(SIMD16<Float>(repeating: 0))[0] == 1)
    }

    @Test func erfAndTanhAreAccurate() {
        var worstErf: Double = 0, worstTanh: Double = 0
        var x: Float = -6
        while x < 6 {
            let v = SIMD16<Float>(repeating: x)
            worstErf = max(worstErf, abs(Double(VectorMath.erf(v)[0]) - Foundation.erf(Double(x))))
            worstTanh = max(worstTanh, abs(Double(VectorMath.tanh(v)[0]) - Foundation.tanh(Double(x))))
            x += 0.00731
        }
        #expect(worstErf < 3e-7, "erf worst \(worstErf)")
        #expect(worstTanh < 3e-7, "tanh worst \(worstTanh)")
    }

    @Test func softmaxSumsToOneAndMatches() {
        var rng = SplitMix64(seed: 2)
        for n in [1, 5, 16, 37, 128] {
            var x = rng.floats(n, -20, 20)
            let m = x.max()!
            let e = x.map { Foundation.exp(Double($0 - m)) }
            let s = e.reduce(0, +)
            Kernels.softmax(&x, count: n)
            for (got, ref) in zip(x, e) { #expect(abs(Double(got) - ref / s) < 1e-6) }
        }
        var masked: [Float] = [1, -.infinity, 1]
        Kernels.softmax(&masked, count: 3)
        #expect(masked == [0.5, 0, 0.5])
        var extremes: [Float] = [200, -200, 0, 100]
        Kernels.softmax(&extremes, count: 4)
        #expect(extremes[0] == 1 && extremes[1] == 0 && extremes[2] == 0)
        var poisoned: [Float] = [1, .nan, 2] // a NaN score is not hidden as a probability
        Kernels.softmax(&poisoned, count: 3)
        #expect(poisoned.contains { $0.isNaN })
        var gate: [Float] = [.nan, 1], up: [Float] = [1, 1]
        Kernels.swiglu(&gate, up, count: 2)
        #expect(gate[0].isNaN && abs(gate[1] - 0.7310586) < 1e-6)
    }

    /// `attend` (the C kernel for head sizes that are a multiple of 8, the Swift fallback otherwise)
    /// against the same math in Double, over position counts around its blocks of eight.
    @Test(arguments: [(64, 192), (64, 64), (16, 40), (12, 12)])
    func attentionMatchesDoubleReference(headSize: Int, stride: Int) {
        var rng = SplitMix64(seed: 9)
        for positions in [1, 7, 8, 9, 63, 270] {
            let keys = rng.floats(positions * stride, -2, 2), values = rng.floats(positions * stride, -2, 2)
            let query = rng.floats(headSize, -2, 2)
            let scale = 1 / Float(headSize).squareRoot()
            var scores = [Float](repeating: .nan, count: positions), out = [Float](repeating: .nan, count: headSize)
            Kernels.attend(query: query, keys: keys, values: values, stride: stride, positions: positions,
                           headSize: headSize, scale: scale, scores: &scores, into: &out)
            let logits = (0..<positions).map { t in
                Double(scale) * (0..<headSize).reduce(0.0) { $0 + Double(keys[t * stride + $1]) * Double(query[$1]) }
            }
            let m = logits.max()!, e = logits.map { Foundation.exp($0 - m) }, total = e.reduce(0, +)
            for c in 0..<headSize {
                let ref = (0..<positions).reduce(0.0) { $0 + e[$1] / total * Double(values[$1 * stride + c]) }
                #expect(abs(Double(out[c]) - ref) < 1e-5, "head \(headSize), positions \(positions), column \(c)")
            }
            for t in 0..<positions { #expect(abs(Double(scores[t]) - e[t] / total) < 1e-6) }
        }
    }

    @Test func layerNormMatchesReference() {
        var rng = SplitMix64(seed: 3)
        let n = 384
        let x = rng.floats(n, -3, 3), g = rng.floats(n), b = rng.floats(n)
        var y = [Float](repeating: 0, count: n)
        Kernels.layerNorm(x, gamma: g, beta: b, eps: 1e-12, into: &y, count: n)
        let mean = x.reduce(0.0) { $0 + Double($1) } / Double(n)
        let variance = x.reduce(0.0) { $0 + (Double($1) - mean) * (Double($1) - mean) } / Double(n)
        for i in 0..<n {
            let ref = (Double(x[i]) - mean) / (variance + 1e-12).squareRoot() * Double(g[i]) + Double(b[i])
            #expect(abs(Double(y[i]) - ref) < 2e-6)
        }
    }

    @Test func rmsNormMatchesReference() {
        var rng = SplitMix64(seed: 4)
        let n = 576
        var x = rng.floats(n, -3, 3)
        x[7] = 22_500 // a massive activation, as SmolLM2 has in channel 507
        let g = rng.floats(n)
        var y = [Float](repeating: 0, count: n)
        Kernels.rmsNorm(x, gamma: g, eps: 1e-5, into: &y, count: n)
        let ms = x.reduce(0.0) { $0 + Double($1) * Double($1) } / Double(n)
        for i in 0..<n {
            let ref = Double(x[i]) / (ms + 1e-5).squareRoot() * Double(g[i])
            #expect(abs(Double(y[i]) - ref) < 1e-5 * max(1, abs(ref)))
        }
    }

    @Test func activationsMatchScalarFormulas() {
        var rng = SplitMix64(seed: 5)
        var x = rng.floats(37, -8, 8)
        x[35] = -120 // e^120 overflows: silu → −0
        x[36] = -30
        var g = x, s = x, gate = x
        let up = rng.floats(37)
        Kernels.gelu(&g, count: 37)
        Kernels.silu(&s, count: 37)
        Kernels.swiglu(&gate, up, count: 37)
        for i in 0..<37 {
            let v = Double(x[i])
            #expect(abs(Double(g[i]) - v * 0.5 * (1 + Foundation.erf(v / 2.0.squareRoot()))) < 1e-6)
            let silu = v / (1 + Foundation.exp(-v))
            #expect(abs(Double(s[i]) - silu) < 1e-6)
            #expect(abs(Double(gate[i]) - silu * Double(up[i])) < 1e-6)
        }
    }

    @Test func l2Normalize() {
        var x: [Float] = [3, 4]
        Kernels.l2Normalize(&x, count: 2)
        #expect(x == [0.6, 0.8])
        var zero: [Float] = [0, 0]
        Kernels.l2Normalize(&zero, count: 2)
        #expect(zero == [0, 0])
    }
}

@Suite struct ArgmaxTests {
    @Test func lowestIndexWinsTiesAndNaNNeverWins() {
        let values: [Float] = [.nan, 1, 3, -2, 3]
        #expect(Kernels.argmax(values, count: values.count) == 2)
        let allNaN: [Float] = [.nan, .nan]
        #expect(Kernels.argmax(allNaN, count: 2) == 0)
        let long = (0..<100).map { Float($0 % 37) }
        #expect(Kernels.argmax(long, count: 100) == 36)
    }
}
