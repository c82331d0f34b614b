import Testing
@testable import RagTuneTensor

private func randomFloats(_ count: Int, seed: UInt64, scale: Float = 1) -> [Float] {
    var rng = SplitMix64(seed: seed)
    return (0..<count).map { _ in Float.random(in: -scale...scale, using: &rng) }
}

private func hex(_ bytes: [UInt8]) -> String {
    bytes.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
}

private func dequantized(_ type: QuantType, _ bytes: [UInt8]) -> [Float] {
    bytes.withUnsafeBytes { Quantization.dequantize(type: type, bytes: $0)! }
}

/// The input of the golden test: 64 values k/13 with k in -50...50, and one exact zero.
private let goldenInput: [Float] = (0..<64).map { i in i == 5 ? 0 : Float((i * 37 % 101) - 50) / 13 }

@Suite struct QuantizationTests {
    /// Golden bytes from gguf-py 0.19.0 (`gguf.quants.quantize(x, GGMLQuantizationType.X)`,
    /// whose quantizers are bit-exact ports of ggml's `quantize_row_*_ref`), for `goldenInput`
    /// built in numpy as `np.float32(k) / np.float32(13)`.
    @Test(arguments: [
        (QuantType.q4_0, "b137e046acf258b81379df358be046acf2688ab7740fb953fd9731eb852fca640ea842fd"),
        (QuantType.q4_1, "1a38b1c3d0369bf157b81369ce258ae0469cf258f53762c39bf157ad0368ce248ad0469bf257bd13"),
        (QuantType.q8_0, "c12781df3d9af800b41270cd2b89e745a2005ebb1977d53390ee4caa0866c3217fdc99273c96f656b0106fca2984e3439efd5db71777d1318beb4ba50565bf1f7fd93993"),
        (QuantType.f16, "b1c300bc623f27c262b300009ec04f38c54227be3b3d3bc327ba2740b1c10000b14127c0273a3b433bbd273ec5c24fb89e403bc16233274262bf003cb1434fbc143f4fc2ecb41441c5c062379e4276beec3c62c3c5ba0040d9c1ecac8a414fc08a3914438abdd93decc2ecb8764062c1ec300042b1bf623b8a439ebcc53e76c2"),
        (QuantType.bf16, "76c080bfec3f45c06cbe000014c00a3f5940c5bfa73f67c045bf054036c00000364005c0453f6740a7bfc53f59c00abf144027c06c3e4540ecbf803f76408abfe23f4ac09ebe224019c0ec3e5440cfbf9e3f6cc059bf00403bc09ebd31400ac0313f6240b1bfbb3f5ec01ebf0f402cc01e3e4040f6bf6c3f714094bfd93f4fc0"),
    ])
    func quantizeMatchesGGMLReference(type: QuantType, golden: String) {
        let bytes = Quantization.quantize(type: type, goldenInput)!
        #expect(bytes.count == type.byteCount(elements: 64))
        #expect(hex(bytes) == golden)
    }

    @Test func q4_1BlockLayout() {
        // d = 0.5 (f16 0x3800), m = -1 (f16 0xBC00), qs[j] = j | (15 - j) << 4.
        var block: [UInt8] = [0x00, 0x38, 0x00, 0xBC]
        block += (0..<16).map { UInt8($0) | UInt8(15 - $0) << 4 }
        let values = dequantized(.q4_1, block)
        let low: [Float] = (0..<16).map { j in 0.5 * Float(j) - 1 }
        let high: [Float] = (0..<16).map { j in 0.5 * Float(15 - j) - 1 }
        let expected = low + high
        #expect(values == expected)
        // These values sit exactly on the grid, so the reference quantizer rebuilds the block.
        #expect(Quantization.quantize(type: .q4_1, expected) == block)
    }

    @Test func q8_0BlockLayout() {
        // d = 0.25 (f16 0x3400), qs = -16 ..< 16 as int8.
        let block: [UInt8] = [0x00, 0x34] + (-16..<16).map { UInt8(bitPattern: Int8($0)) }
        #expect(dequantized(.q8_0, block) == (-16..<16).map { 0.25 * Float($0) })
        // Quantizing: d = max|x| / 127, q = round-half-away(x / d).
        let x = (0..<32).map { Float($0 - 16) }
        let bytes = Quantization.quantize(type: .q8_0, x)!
        let d: Float = 16 / 127
        #expect(Array(bytes[0..<2]) == [UInt8(Float16(d).bitPattern & 0xFF), UInt8(Float16(d).bitPattern >> 8)])
        let qs = bytes[2...].map { Int(Int8(bitPattern: $0)) }
        #expect(qs == x.map { Int(($0 * (1 / d)).rounded(.toNearestOrAwayFromZero)) })
        #expect(qs.first == -127 && qs.last == 119)
    }

    @Test func q4_0BlockLayout() {
        // d = 2 (f16 0x4000), qs[j] = j | j << 4: weights 2·(j - 8) twice.
        let block: [UInt8] = [0x00, 0x40] + (0..<16).map { UInt8($0) | UInt8($0) << 4 }
        let half = (0..<16).map { 2 * Float($0 - 8) }
        #expect(dequantized(.q4_0, block) == half + half)
    }

    @Test func bf16AndF16Conversions() {
        #expect(Quantization.bf16ToFloat(0x3F80) == 1)
        #expect(Quantization.floatToBF16(1) == 0x3F80)
        // Round to nearest even: 1 + 2^-8 is halfway between 1 and 1 + 2^-7, so it goes to 1.
        #expect(Quantization.floatToBF16(1 + 1.0 / 256) == 0x3F80)
        #expect(Quantization.floatToBF16(1 + 3.0 / 256) == 0x3F82)
        #expect(Quantization.bf16ToFloat(Quantization.floatToBF16(.nan)).isNaN)
        #expect(Quantization.floatToBF16(.infinity) == 0x7F80)
        #expect(Quantization.halfToFloat(0x3C00) == 1)
        #expect(Quantization.floatToHalf(-2) == 0xC000)
        #expect(Quantization.floatToHalf(70000) == 0x7C00)
    }

    /// quantize → dequantize stays within ggml's per-block error: Q4_0 ≤ |d| (the clamped top
    /// value) else ≤ |d|/2, Q4_1 ≤ d/2, Q8_0 ≤ d/2, each plus the f16 rounding of d and m.
    @Test(arguments: [QuantType.q4_0, .q4_1, .q8_0, .f16, .bf16, .f32])
    func roundTripErrorBound(type: QuantType) {
        let x = randomFloats(32 * 64, seed: 7 + UInt64(type.rawValue), scale: 3)
        let y = dequantized(type, Quantization.quantize(type: type, x)!)
        #expect(y.count == x.count)
        let halfULP: Float = 1.0 / 1024  // f16 relative rounding (2^-11) with margin
        for b in 0..<(x.count / 32) {
            let block = Array(x[(32 * b)..<(32 * b + 32)])
            let lo = block.min()!, hi = block.max()!, amax = block.map(abs).max()!
            for j in 0..<32 {
                let error = abs(x[32 * b + j] - y[32 * b + j])
                let bound: Float
                switch type {
                case .q4_0: bound = amax / 8 * (1 + 8 * halfULP)
                case .q4_1: let d = (hi - lo) / 15; bound = d / 2 + (15 * d + abs(lo)) * halfULP
                case .q8_0: let d = amax / 127; bound = d / 2 + 127 * d * halfULP
                case .f16: bound = abs(x[32 * b + j]) / 2048
                case .bf16: bound = abs(x[32 * b + j]) / 256
                case .f32: bound = 0
                }
                #expect(error <= bound, "\(type) block \(b) element \(j): error \(error) > bound \(bound)")
            }
        }
    }

    /// Constant and all-zero blocks (d = 0) must not divide by zero.
    @Test(arguments: [QuantType.q4_0, .q4_1, .q8_0])
    func degenerateBlocks(type: QuantType) {
        let zeros = [Float](repeating: 0, count: 32)
        #expect(dequantized(type, Quantization.quantize(type: type, zeros)!) == zeros)
        let constant = [Float](repeating: 0.75, count: 32)
        let y = dequantized(type, Quantization.quantize(type: type, constant)!)
        #expect(y.allSatisfy { abs($0 - 0.75) < 0.75 / 8 + 1e-3 })
        // Non-finite input gives valid (if meaningless) blocks instead of trapping.
        var bad = constant
        bad[3] = .nan
        bad[4] = .infinity
        #expect(Quantization.quantize(type: type, bad)?.count == type.byteCount(elements: 32))
    }

    @Test func wrongCountsReturnNil() {
        #expect(Quantization.quantize(type: .q4_1, [Float](repeating: 1, count: 33)) == nil)
        [UInt8](repeating: 0, count: 21).withUnsafeBytes {
            #expect(Quantization.dequantize(type: .q4_1, bytes: $0) == nil)
        }
        #expect(Quantization.quantize(type: .f16, []) == [])
    }

    /// SIMD dot products agree with dequantize-then-dot in Double, for block counts that
    /// exercise the 2-block unrolling (odd and even) and float tails that are not multiples of 16.
    @Test(arguments: [QuantType.f32, .f16, .bf16, .q4_0, .q4_1, .q8_0])
    func dotMatchesDequantizedDot(type: QuantType) {
        let counts = type.blockSize == 1 ? [1, 15, 16, 31, 32, 33, 100, 576, 1000] : [32, 64, 96, 576, 1536]
        for (i, count) in counts.enumerated() {
            let w = randomFloats(count, seed: 100 + UInt64(i), scale: 2)
            let x = randomFloats(count, seed: 200 + UInt64(i))
            let bytes = Quantization.quantize(type: type, w)!
            let reference = zip(dequantized(type, bytes), x).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
            let magnitude = zip(w, x).reduce(0.0) { $0 + abs(Double($1.0) * Double($1.1)) }
            // An unaligned copy (offset 1 byte), as rows in an mmapped file can be.
            var shifted = [UInt8](repeating: 0, count: bytes.count + 1)
            shifted.replaceSubrange(1..., with: bytes)
            let dot = shifted.withUnsafeBytes { raw in
                x.withUnsafeBufferPointer { Quantization.dot(type: type, row: raw.baseAddress! + 1, x: $0.baseAddress!, count: count) }
            }
            #expect(abs(Double(dot) - reference) <= 1e-5 * magnitude + 1e-6, "\(type) count \(count)")
        }
    }

    @Test(arguments: [QuantType.f32, .f16, .bf16, .q4_0, .q4_1, .q8_0])
    func matvecMatchesRowDots(type: QuantType) {
        let rows = 13, columns = 160
        let w = randomFloats(rows * columns, seed: 300, scale: 0.5)
        let x = randomFloats(columns, seed: 301)
        let bytes = Quantization.quantize(type: type, w)!
        let rowBytes = type.byteCount(elements: columns)!
        var y = [Float](repeating: .nan, count: rows)
        bytes.withUnsafeBytes { raw in
            x.withUnsafeBufferPointer { xs in
                y.withUnsafeMutableBufferPointer { ys in
                    Quantization.matvec(type: type, rows: raw.baseAddress!, rowCount: rows, columns: columns,
                                        x: xs.baseAddress!, y: ys.baseAddress!)
                }
                let deq = dequantized(type, bytes)
                for r in 0..<rows {
                    let single = Quantization.dot(type: type, row: raw.baseAddress! + r * rowBytes, x: xs.baseAddress!, count: columns)
                    let reference = (0..<columns).reduce(0.0) { $0 + Double(deq[r * columns + $1]) * Double(x[$1]) }
                    #expect(abs(y[r] - single) <= 1e-5 * (abs(single) + 1), "\(type) row \(r)")
                    #expect(abs(Double(y[r]) - reference) <= 1e-4, "\(type) row \(r)")
                }
            }
        }
    }
}
