import Testing
@testable import RagTuneTensor

/// The int8 decode kernels: activation quantization, repacking, and the integer matrix-vector
/// products of every kernel this CPU runs, against the same math done in Double on the quantized
/// values (the kernels may only differ in float summation order).
@Suite struct Int8MatrixTests {
    static let types: [QuantType] = [.q4_0, .q4_1, .q8_0]
    static let kernels = Int8Kernel.allCases.filter(\.isSupported)

    /// `rows` random rows of `columns` weights quantized as `type`, with a few large outliers.
    static func weights(_ type: QuantType, rows: Int, columns: Int, seed: UInt64) -> [UInt8] {
        var rng = SplitMix64(seed: seed)
        let values = (0..<rows * columns).map { i in rng.float() * (i % 97 == 0 ? 8 : 1) }
        return Quantization.quantize(type: type, values)!
    }

    static func activations(_ count: Int, seed: UInt64) -> [Float] {
        var rng = SplitMix64(seed: seed)
        return (0..<count).map { i in rng.float(-3, 3) * (i % 61 == 0 ? 10 : 1) }
    }

    @Test func activationsQuantizePerBlockWithinHalfAStep() {
        var x = Self.activations(96, seed: 1)
        x.replaceSubrange(32..<64, with: repeatElement(0, count: 32)) // an all-zero block
        let q = Int8Activations()
        x.withUnsafeBufferPointer { q.quantize($0.baseAddress!, count: 96) }
        let back = q.dequantized()
        #expect(q.count == 96 && back.count == 96)
        for b in 0..<3 {
            let block = x[(32 * b)..<(32 * b + 32)]
            let d = (block.map(abs).max() ?? 0) / 127
            for j in block.indices { #expect(abs(back[j] - x[j]) <= d * 0.5 + d * 1e-3 + 1e-7, "x[\(j)]") }
        }
        #expect(back[32..<64].allSatisfy { $0 == 0 } == true)
        let sums = q.blockSums()
        #expect(sums[1].sum == 0 && sums[1].scaled == 0)
        // Σq recomputed from the dequantized values (d·q / d).
        let d0 = back[0..<32].map(abs).max()! / Float(127)
        #expect(abs(Float(sums[0].sum) - back[0..<32].reduce(0, +) / d0) < 0.5)
    }

    /// A block's activation far above the rest is set aside, and the rest keep their own step.
    @Test func anOutlierIsSetAsideAndTheRestKeepAFineStep() {
        var x = (0..<64).map { Float($0 % 7) / 7 - 0.4 }
        x[37] = 2000
        let q = Int8Activations()
        x.withUnsafeBufferPointer { q.quantize($0.baseAddress!, count: 64) }
        #expect(q.outlierCount == 1)
        #expect(q.outlierList().first.map { [$0.block, $0.index] } == [1, 5] && q.outlierList().first?.value == 2000)
        let back = q.dequantized()
        #expect(back[37] == 2000)
        for j in 32..<64 where j != 37 { #expect(abs(back[j] - x[j]) <= 0.6 / 254 + 1e-4, "x[\(j)]") }
        // llama.cpp's scheme (ratio 0) rounds the rest of that block to multiples of 2000/127.
        let plain = Int8Activations(outlierRatio: 0)
        x.withUnsafeBufferPointer { plain.quantize($0.baseAddress!, count: 64) }
        #expect(plain.outlierCount == 0 && plain.dequantized()[32..<64].filter { $0 != 0 }.count == 1)
    }

    @Test(arguments: types)
    func repackedRowsDequantizeToTheStoredFloats(type: QuantType) throws {
        let (rows, columns) = (7, 96) // a partial last group
        let bytes = Self.weights(type, rows: rows, columns: columns, seed: 2)
        let rowBytes = type.byteCount(elements: columns)!
        let packed = try #require(bytes.withUnsafeBytes {
            Int8Matrix(type: type, rows: $0.baseAddress!, rowBytes: rowBytes, rowCount: rows, columns: columns)
        })
        #expect(packed.groupCount == 2)
        let expected = bytes.withUnsafeBytes { Quantization.dequantize(type: type, bytes: $0)! }
        var out = [Float](repeating: .nan, count: 5 * columns)
        out.withUnsafeMutableBufferPointer { packed.dequantize(rows: 2..<7, into: $0.baseAddress!) }
        #expect(out == Array(expected[(2 * columns)...]))
    }

    @Test func unsupportedTypesAndShapesAreNotRepacked() {
        let floats = [UInt8](repeating: 0, count: 4 * 32 * 4)
        floats.withUnsafeBytes { raw in
            #expect(Int8Matrix(type: .f32, rows: raw.baseAddress!, rowBytes: 128, rowCount: 4, columns: 32) == nil)
            #expect(Int8Matrix(type: .q8_0, rows: raw.baseAddress!, rowBytes: 34, rowCount: 4, columns: 31) == nil)
            #expect(Int8Matrix(type: .q8_0, rows: raw.baseAddress!, rowBytes: 40, rowCount: 4, columns: 32) == nil)
        }
    }

    /// Every kernel × type against Σ w·(d·q) in Double over the quantized operands; rows 0..<rows
    /// are all written, nothing past them.
    @Test(arguments: types, [0, Int8Activations.defaultOutlierRatio])
    func kernelsMatchTheQuantizedMath(type: QuantType, outlierRatio: Float) throws {
        let (rows, columns) = (13, 576)
        let bytes = Self.weights(type, rows: rows, columns: columns, seed: 3)
        let rowBytes = type.byteCount(elements: columns)!
        let packed = try #require(bytes.withUnsafeBytes {
            Int8Matrix(type: type, rows: $0.baseAddress!, rowBytes: rowBytes, rowCount: rows, columns: columns)
        })
        let w = bytes.withUnsafeBytes { Quantization.dequantize(type: type, bytes: $0)! }
        let x = Self.activations(columns, seed: 4)
        let q = Int8Activations(outlierRatio: outlierRatio)
        x.withUnsafeBufferPointer { q.quantize($0.baseAddress!, count: columns) }
        let xq = q.dequantized()
        let sums = q.blockSums()
        // The outliers' m term: an outlier is multiplied with its exact weight d·q + m.
        let outlierSums = Dictionary(q.outlierList().map { ($0.block, Double($0.value)) }, uniquingKeysWith: +)
        #expect(outlierSums.isEmpty == (outlierRatio == 0), "the test activations have outliers")
        let expected = (0..<rows).map { r in
            (0..<columns / 32).reduce(0.0) { total, b in
                // Q4_1's offset m multiplies ggml's fp16-rounded s = d·Σq, as in llama.cpp.
                let m = type == .q4_1 ? Double(Self.offset(bytes, row: r, block: b, rowBytes: rowBytes)) : 0
                let block = (32 * b..<32 * b + 32).reduce(0.0) { $0 + (Double(w[r * columns + $1]) - m) * Double(xq[$1]) }
                return total + block + m * (Double(sums[b].scaled) + (outlierSums[b] ?? 0))
            }
        }
        let scale = (0..<rows).map { r in
            (0..<columns).reduce(0.0) { $0 + abs(Double(w[r * columns + $1]) * Double(xq[$1])) }
        }
        #expect(!Self.kernels.isEmpty)
        for kernel in Self.kernels {
            var y = [Float](repeating: .nan, count: rows + 3)
            y.withUnsafeMutableBufferPointer { packed.multiply(q, into: $0.baseAddress!, groups: 0..<4, kernel: kernel) }
            for r in 0..<rows {
                #expect(abs(Double(y[r]) - expected[r]) <= 1e-5 * scale[r] + 1e-6,
                        "\(kernel) \(type) row \(r): \(y[r]) vs \(expected[r])")
            }
            #expect(y[rows...].allSatisfy { $0.isNaN }, "\(kernel) wrote past the last row")
        }
    }

    /// Q4_1's block offset `m` (the f16 after `d`).
    static func offset(_ bytes: [UInt8], row: Int, block: Int, rowBytes: Int) -> Float {
        let at = row * rowBytes + 20 * block + 2
        return Float(Float16(bitPattern: UInt16(bytes[at]) | UInt16(bytes[at + 1]) << 8))
    }

    /// The kernels split by groups (as the worker pool does) give the same rows as one call.
    @Test func groupRangesComposeIntoTheWholeProduct() throws {
        let (rows, columns) = (24, 64)
        let bytes = Self.weights(.q4_1, rows: rows, columns: columns, seed: 5)
        let packed = try #require(bytes.withUnsafeBytes {
            Int8Matrix(type: .q4_1, rows: $0.baseAddress!, rowBytes: 40, rowCount: rows, columns: columns)
        })
        let x = Self.activations(columns, seed: 6), q = Int8Activations()
        x.withUnsafeBufferPointer { q.quantize($0.baseAddress!, count: columns) }
        var whole = [Float](repeating: 0, count: rows), split = [Float](repeating: 0, count: rows)
        whole.withUnsafeMutableBufferPointer { packed.multiply(q, into: $0.baseAddress!, groups: 0..<6) }
        split.withUnsafeMutableBufferPointer { y in
            for g in [0..<1, 1..<4, 4..<6] { packed.multiply(q, into: y.baseAddress!, groups: g) }
        }
        #expect(whole == split)
    }

    /// A batch of vectors (tiles of four and the remainders) gives each vector's own product: the
    /// same quantization and outliers per vector, outputs `ldy` apart, nothing written between.
    @Test(arguments: types, [1, 2, 5, 7])
    func batchedProductsMatchOneVectorAtATime(type: QuantType, vectors: Int) throws {
        let (rows, columns, ldy) = (13, 576, 16)
        let bytes = Self.weights(type, rows: rows, columns: columns, seed: 7)
        let packed = try #require(bytes.withUnsafeBytes {
            Int8Matrix(type: type, rows: $0.baseAddress!, rowBytes: type.byteCount(elements: columns)!, rowCount: rows,
                       columns: columns)
        })
        let x = Self.activations(vectors * columns, seed: 8)
        let batch = Int8Activations(), one = Int8Activations()
        x.withUnsafeBufferPointer { batch.quantize($0.baseAddress!, columns: columns, vectors: vectors) }
        #expect(batch.vectorCount == vectors && batch.outlierCount > 0)
        for kernel in Self.kernels {
            var y = [Float](repeating: .nan, count: vectors * ldy)
            y.withUnsafeMutableBufferPointer {
                packed.multiply(batch: batch, into: $0.baseAddress!, ldy: ldy, groups: 0..<4, kernel: kernel)
            }
            for v in 0..<vectors {
                x.withUnsafeBufferPointer { one.quantize($0.baseAddress! + v * columns, count: columns) }
                var expected = [Float](repeating: .nan, count: rows)
                expected.withUnsafeMutableBufferPointer { packed.multiply(one, into: $0.baseAddress!, groups: 0..<4, kernel: kernel) }
                let scale = expected.map(abs).max()!
                for r in 0..<rows {
                    #expect(abs(y[v * ldy + r] - expected[r]) <= 1e-5 * scale, "\(kernel) \(type) vector \(v) row \(r)")
                }
                #expect(y[(v * ldy + rows)..<(v * ldy + ldy)].allSatisfy { $0.isNaN }, "\(kernel) wrote past row \(rows)")
            }
        }
    }

    @Test func theSelectedKernelRunsHere() {
        #expect(Int8Kernel.selected.isSupported)
        #expect(Int8Kernel.avx2.isSupported) // every supported machine has AVX2 + FMA
    }
}
