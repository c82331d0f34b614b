import Foundation
import Testing
import RagTuneTensor
@testable import RagTuneTraining

/// Each layer's backward pass against central finite differences of L = Σ w ⊙ forward(x),
/// with the tiny model's sizes (T 7, d 16, 4 heads of 4, 2 KV heads, ff 32, vocab 50).
@Suite struct LayerGradientTests {
    let t = 7, d = 16, ff = 32, heads = 4, kvHeads = 2, hs = 4
    static let eps: Float = 1e-3
    static let tolerance = 1e-2

    func check(_ name: String, _ analytic: [Float], _ numeric: [Double]) {
        let error = TrainingFixtures.relativeError(analytic, numeric)
        print("grad check \(name): relative error \(error)")
        #expect(error < Self.tolerance, "\(name): relative error \(error)")
        #expect(numeric.contains { abs($0) > 1e-3 }, "\(name): the gradient is trivially zero")
    }

    @Test func rmsNorm() {
        var rng = SplitMix64(seed: 11)
        let x = rng.floats(t * d, -2, 2), gamma = rng.floats(d, 0.5, 1.5), w = rng.floats(t * d)
        func forward(_ x: [Float], _ gamma: [Float]) -> (y: [Float], rstd: [Float]) {
            var y = [Float](repeating: 0, count: t * d), rstd = [Float](repeating: 0, count: t)
            RMSNormLayer.forward(x, gamma: gamma, eps: 1e-5, rows: t, width: d, into: &y, rstd: &rstd)
            return (y, rstd)
        }
        var dx = [Float](repeating: 0, count: t * d), dGamma = [Float](repeating: 0, count: d)
        RMSNormLayer.backward(w, x: x, gamma: gamma, rstd: forward(x, gamma).rstd, rows: t, width: d,
                              dx: &dx, dGamma: &dGamma)
        check("RMSNorm dx", dx, TrainingFixtures.numericGradient(
            of: { TrainingFixtures.weightedSum(forward($0, gamma).y, w) }, at: x, indices: Array(x.indices), eps: Self.eps))
        check("RMSNorm dγ", dGamma, TrainingFixtures.numericGradient(
            of: { TrainingFixtures.weightedSum(forward(x, $0).y, w) }, at: gamma, indices: Array(gamma.indices),
            eps: Self.eps))
    }

    @Test func swiGLU() {
        var rng = SplitMix64(seed: 12)
        let gate = rng.floats(t * ff, -4, 4), up = rng.floats(t * ff, -2, 2), w = rng.floats(t * ff)
        func forward(_ gate: [Float], _ up: [Float]) -> [Float] {
            var h = [Float](repeating: 0, count: t * ff)
            SwiGLULayer.forward(gate: gate, up: up, count: t * ff, into: &h)
            return h
        }
        var dGate = [Float](repeating: 0, count: t * ff), dUp = [Float](repeating: 0, count: t * ff)
        SwiGLULayer.backward(w, gate: gate, up: up, count: t * ff, dGate: &dGate, dUp: &dUp)
        check("SwiGLU dgate", dGate, TrainingFixtures.numericGradient(
            of: { TrainingFixtures.weightedSum(forward($0, up), w) }, at: gate, indices: Array(gate.indices), eps: Self.eps))
        check("SwiGLU dup", dUp, TrainingFixtures.numericGradient(
            of: { TrainingFixtures.weightedSum(forward(gate, $0), w) }, at: up, indices: Array(up.indices), eps: Self.eps))
    }

    @Test func rope() {
        var rng = SplitMix64(seed: 13)
        let layer = RoPELayer(rope: RotaryEmbedding(dimensions: hs, base: 10_000, pairing: .adjacent))
        let x = rng.floats(t * d), w = rng.floats(t * d)
        func forward(_ x: [Float]) -> [Float] {
            var y = x
            layer.forward(&y, rows: t, heads: heads, headSize: hs)
            return y
        }
        var dx = w
        layer.backward(&dx, rows: t, heads: heads, headSize: hs)
        check("RoPE dx", dx, TrainingFixtures.numericGradient(
            of: { TrainingFixtures.weightedSum(forward($0), w) }, at: x, indices: Array(x.indices), eps: Self.eps))
        // the rotation is orthogonal: backward(forward(x)) = x
        var roundTrip = forward(x)
        layer.backward(&roundTrip, rows: t, heads: heads, headSize: hs)
        #expect(zip(roundTrip, x).allSatisfy { abs($0 - $1) < 1e-5 })
    }

    @Test func attention() {
        var rng = SplitMix64(seed: 14)
        let pool = WorkerPool(threads: 2)
        let layer = AttentionLayer(rows: t, heads: heads, kvHeads: kvHeads, headSize: hs)
        let kv = kvHeads * hs
        let q = rng.floats(t * d, -2, 2), k = rng.floats(t * kv, -2, 2), v = rng.floats(t * kv), w = rng.floats(t * d)
        func forward(_ q: [Float], _ k: [Float], _ v: [Float]) -> (out: [Float], probs: [Float]) {
            var out = [Float](repeating: 0, count: t * d), probs = [Float](repeating: 0, count: heads * t * t)
            layer.forward(q: q, k: k, v: v, probs: &probs, into: &out, pool: pool)
            return (out, probs)
        }
        let probs = forward(q, k, v).probs
        var dq = [Float](repeating: 0, count: t * d), dk = [Float](repeating: 0, count: t * kv)
        var dv = [Float](repeating: 0, count: t * kv)
        var scratch = [Float](repeating: .nan, count: layer.backwardScratchCount(workers: pool.threadCount))
        layer.backward(w, q: q, k: k, v: v, probs: probs, dq: &dq, dk: &dk, dv: &dv, scratch: &scratch, pool: pool)
        check("attention dq", dq, TrainingFixtures.numericGradient(
            of: { TrainingFixtures.weightedSum(forward($0, k, v).out, w) }, at: q, indices: Array(q.indices), eps: Self.eps))
        check("attention dk", dk, TrainingFixtures.numericGradient(
            of: { TrainingFixtures.weightedSum(forward(q, $0, v).out, w) }, at: k, indices: Array(k.indices), eps: Self.eps))
        check("attention dv", dv, TrainingFixtures.numericGradient(
            of: { TrainingFixtures.weightedSum(forward(q, k, $0).out, w) }, at: v, indices: Array(v.indices), eps: Self.eps))
        // causality: the first position attends only to itself
        #expect(probs[0] == 1 && probs[1..<t].allSatisfy { $0 == 0 })
    }

    @Test func crossEntropy() {
        var rng = SplitMix64(seed: 15)
        let vocab = 50
        let logits = rng.floats(t * vocab, -3, 3), targets = (0..<t).map { ($0 * 7) % vocab }
        func loss(_ z: [Float]) -> Double {
            var z = z
            return CrossEntropyLayer.lossAndGradient(&z, rows: t, vocabulary: vocab, targets: targets, gradientScale: nil)
        }
        var gradient = logits
        let total = CrossEntropyLayer.lossAndGradient(&gradient, rows: t, vocabulary: vocab, targets: targets,
                                                      gradientScale: 1)
        #expect(abs(total - loss(logits)) < 1e-9)
        check("cross-entropy dlogits", gradient, TrainingFixtures.numericGradient(
            of: loss, at: logits, indices: Array(logits.indices), eps: Self.eps))
        // uniform logits: loss is ln(vocab) per row
        var uniform = [Float](repeating: 0.5, count: vocab)
        let uniformLoss = CrossEntropyLayer.lossAndGradient(&uniform, rows: 1, vocabulary: vocab, targets: [3],
                                                            gradientScale: nil)
        #expect(abs(uniformLoss - log(Double(vocab))) < 1e-6)
    }

    @Test func linearWithLoRAAndDropout() {
        var rng = SplitMix64(seed: 16)
        let inFeatures = 16, out = 12, rank = 3
        let x = rng.floats(t * inFeatures), weight = rng.floats(out * inFeatures), w = rng.floats(t * out)
        let a = rng.floats(rank * inFeatures), b = rng.floats(out * rank)
        let dropout = Dropout(probability: 0.3, batchSeed: 99, sequence: 0, layer: 1, module: 2)
        func forward(_ x: [Float], _ a: [Float], _ b: [Float]) -> (y: [Float], u: [Float]) {
            var y = [Float](repeating: 0, count: t * out), u = [Float](repeating: 0, count: t * rank)
            var dropped = [Float](repeating: 0, count: t * inFeatures)
            a.withUnsafeBufferPointer { a in
                b.withUnsafeBufferPointer { b in
                    let lora = LoRAView(a: a.baseAddress!, b: b.baseAddress!, rank: rank, scale: 2, dropout: dropout)
                    LinearLayer.forward(x, rows: t, inFeatures: inFeatures, outFeatures: out, weight: weight, into: &y,
                                        lora: lora, loraHidden: &u, dropped: &dropped, threads: 2)
                }
            }
            return (y, u)
        }
        var dx = [Float](repeating: 0, count: t * inFeatures)
        var dA = [Float](repeating: 0, count: rank * inFeatures), dB = [Float](repeating: 0, count: out * rank)
        var scratch = [Float](repeating: 0, count: t * (inFeatures + rank))
        let u = forward(x, a, b).u
        a.withUnsafeBufferPointer { ap in
            b.withUnsafeBufferPointer { bp in
                let lora = LoRAView(a: ap.baseAddress!, b: bp.baseAddress!, rank: rank, scale: 2, dropout: dropout)
                LinearLayer.backward(w, x: x, rows: t, inFeatures: inFeatures, outFeatures: out, weight: weight, dx: &dx,
                                     lora: lora, loraHidden: u, gradA: &dA, gradB: &dB, scratch: &scratch, threads: 2)
            }
        }
        check("linear+LoRA dx", dx, TrainingFixtures.numericGradient(
            of: { TrainingFixtures.weightedSum(forward($0, a, b).y, w) }, at: x, indices: Array(x.indices), eps: Self.eps))
        check("linear+LoRA dA", dA, TrainingFixtures.numericGradient(
            of: { TrainingFixtures.weightedSum(forward(x, $0, b).y, w) }, at: a, indices: Array(a.indices), eps: Self.eps))
        check("linear+LoRA dB", dB, TrainingFixtures.numericGradient(
            of: { TrainingFixtures.weightedSum(forward(x, a, $0).y, w) }, at: b, indices: Array(b.indices), eps: Self.eps))
    }

    @Test func dropoutKeepsAboutOneMinusPAndScales() {
        let dropout = Dropout(probability: 0.25, batchSeed: 5, sequence: 0, layer: 0, module: 0)
        let ones = [Float](repeating: 1, count: 10_000)
        var y = [Float](repeating: 0, count: ones.count)
        dropout.apply(ones, into: &y, count: ones.count)
        let kept = y.filter { $0 != 0 }
        #expect(abs(Double(kept.count) / 10_000 - 0.75) < 0.02)
        #expect(kept.allSatisfy { abs($0 - 4.0 / 3.0) < 1e-6 })
        var again = [Float](repeating: 0, count: ones.count)
        dropout.apply(ones, into: &again, count: ones.count)
        #expect(again == y) // the backward pass regenerates the same mask
    }
}
