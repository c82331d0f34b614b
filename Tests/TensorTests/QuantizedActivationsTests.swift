import Testing
@testable import RagTuneTensor

@Suite struct QuantizedActivationsTests {
    @Test func quantizationErrorIsWithinHalfAStep() {
        var rng = SplitMix64(seed: 21)
        let x = rng.floats(96, -3, 3)
        var q = QuantizedActivations()
        q.quantize(x, count: 96)
        let back = q.dequantized()
        for b in 0..<3 {
            let step = x[(32 * b)..<(32 * b + 32)].map(abs).max()! / 127
            for j in (32 * b)..<(32 * b + 32) { #expect(abs(back[j] - x[j]) <= step / 2 + 1e-6) }
        }
    }

    /// The integer kernels must equal the exact dot product of the dequantized weights with the
    /// dequantized activations (integer math, then float scales): both sides see the same values.
    /// Q4_1's offset term m·Σx uses the block's stored sum s (fp16, as ggml's Q8_1).
    @Test(arguments: [QuantType.q4_0, .q4_1, .q8_0])
    func int8MatvecEqualsDequantizedDot(type: QuantType) {
        var rng = SplitMix64(seed: UInt64(type.rawValue) + 100)
        let rows = 37, columns = 576
        let weights = rng.floats(rows * columns, -0.5, 0.5)
        let stored = Quantization.quantize(type: type, weights)!
        let dequantized = stored.withUnsafeBytes { Quantization.dequantize(type: type, bytes: $0)! }
        var x = rng.floats(columns, -4, 4)
        x[7] = 300 // an outlier, as real activations have
        var qx = QuantizedActivations()
        qx.quantize(x, count: columns)
        let xq = qx.dequantized()
        var y = [Float](repeating: 0, count: rows)
        stored.withUnsafeBytes { bytes in
            Quantization.matvec(type: type, rows: bytes.baseAddress!, rowBytes: type.byteCount(elements: columns)!,
                                rowCount: rows, x: qx, y: &y)
        }
        let sums = qx.blockSums(), rowBytes = type.byteCount(elements: columns)!
        for r in 0..<rows {
            var exact = 0.0
            for c in 0..<columns { exact += Double(dequantized[r * columns + c]) * Double(xq[c]) }
            if type == .q4_1 {
                for b in 0..<(columns / 32) {
                    let mBits = UInt16(stored[r * rowBytes + 20 * b + 2]) | UInt16(stored[r * rowBytes + 20 * b + 3]) << 8
                    let m = Double(Quantization.halfToFloat(mBits))
                    let exactSum = xq[(32 * b)..<(32 * b + 32)].reduce(0.0) { $0 + Double($1) }
                    exact += m * (Double(sums[b]) - exactSum)
                }
            }
            #expect(abs(Double(y[r]) - exact) <= 1e-4 * max(1, abs(exact)), "\(type) row \(r): \(y[r]) vs \(exact)")
        }
        #expect(["avx2", "avx512vnni"].contains(Quantization.int8KernelISA))
    }
}
