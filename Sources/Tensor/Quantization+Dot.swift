/// Dot products of stored weight rows with Float32 vectors: the decode hot path (one token's
/// activations `x` against every weight row). Blocks are expanded to SIMD16<Float> registers
/// and folded with fused multiply-adds; no row is ever dequantized into memory.
extension Quantization {
    /// `Σ_j w[j] · x[j]` for one row of `count` weights stored as `type`.
    /// - Parameters:
    ///   - row: `type.byteCount(elements: count)` bytes, any alignment.
    ///   - x: `count` floats.
    ///   - count: a multiple of `type.blockSize`.
    public static func dot(type: QuantType, row: UnsafeRawPointer, x: UnsafePointer<Float>, count: Int) -> Float {
        precondition(count >= 0 && count % type.blockSize == 0, "\(count) is not a whole number of \(type) blocks")
        switch type {
        case .f32: return dotF32(row, x, count)
        case .f16: return dotF16(row, x, count)
        case .bf16: return dotBF16(row, x, count)
        case .q4_0, .q4_1:
            var y: Float = 0
            matvec(type: type, rows: row, rowCount: 1, columns: count, x: x, y: &y)
            return y
        case .q8_0: return dotQ8_0(row, x, count / 32)
        }
    }

    /// Matrix-vector product `y = W · x` for a row-major weight matrix stored as `type`
    /// (a GGUF tensor with dimensions `[columns, rowCount]`). Single-threaded: to split the
    /// work, call it on row ranges (`rows + start * rowBytes`, `y + start`).
    /// - Parameters:
    ///   - rows: `rowCount` rows of `type.byteCount(elements: columns)` bytes each, contiguous.
    ///   - rowCount: number of output elements.
    ///   - columns: weights per row; a multiple of `type.blockSize`.
    ///   - x: `columns` floats.
    ///   - y: room for `rowCount` floats; overwritten.
    public static func matvec(
        type: QuantType, rows: UnsafeRawPointer, rowCount: Int, columns: Int,
        x: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>
    ) {
        guard let rowBytes = type.byteCount(elements: columns) else {
            preconditionFailure("\(columns) columns are not a whole number of \(type) blocks")
        }
        precondition(rowCount >= 0, "negative row count \(rowCount)")
        guard columns > 0 else {
            y.update(repeating: 0, count: rowCount)
            return
        }
        let blocks = columns / type.blockSize
        // One switch per call; each loop calls its kernel directly.
        switch type {
        case .f32: for r in 0..<rowCount { y[r] = dotF32(rows + r * rowBytes, x, columns) }
        case .f16: for r in 0..<rowCount { y[r] = dotF16(rows + r * rowBytes, x, columns) }
        case .bf16: for r in 0..<rowCount { y[r] = dotBF16(rows + r * rowBytes, x, columns) }
        case .q4_0, .q4_1:
            // The offset term (-8 for Q4_0, m for Q4_1) needs Σ x over each block, the same
            // for every row: computed once, it costs one scalar FMA per block.
            withUnsafeTemporaryAllocation(of: Float.self, capacity: blocks) { sums in
                guard let xSums = sums.baseAddress else { return }
                let xs = UnsafeRawPointer(x)
                for b in 0..<blocks { xSums[b] = horizontalSum(load16(xs, 2 * b) + load16(xs, 2 * b + 1)) }
                if type == .q4_0 {
                    for r in 0..<rowCount { y[r] = dotQ4_0(rows + r * rowBytes, x, xSums, blocks) }
                } else {
                    for r in 0..<rowCount { y[r] = dotQ4_1(rows + r * rowBytes, x, xSums, blocks) }
                }
            }
        case .q8_0: for r in 0..<rowCount { y[r] = dotQ8_0(rows + r * rowBytes, x, blocks) }
        }
    }

    // MARK: - Kernels

    /// Pairwise (tree) sum of 16 lanes: 4 dependent adds instead of the 15 of `.sum()`.
    @inline(__always)
    private static func horizontalSum(_ v: SIMD16<Float>) -> Float {
        let v8 = v.lowHalf + v.highHalf
        let v4 = v8.lowHalf + v8.highHalf
        let v2 = v4.lowHalf + v4.highHalf
        return v2.x + v2.y
    }

    /// Loads x[16·i ..< 16·i + 16].
    @inline(__always)
    private static func load16(_ x: UnsafeRawPointer, _ i: Int) -> SIMD16<Float> {
        x.loadUnaligned(fromByteOffset: 64 * i, as: SIMD16<Float>.self)
    }

    /// Q4_0: Σ_blocks d · (Σ_j q_j x_j - 8 · xSums[b]), with `xSums[b] = Σ_j x[32b + j]`.
    private static func dotQ4_0(
        _ row: UnsafeRawPointer, _ x: UnsafePointer<Float>, _ xSums: UnsafePointer<Float>, _ blocks: Int
    ) -> Float {
        let xs = UnsafeRawPointer(x)
        var acc0 = SIMD16<Float>(), acc1 = SIMD16<Float>()
        var offset0: Float = 0, offset1: Float = 0
        var b = 0
        @inline(__always) func block(_ b: Int, _ acc: inout SIMD16<Float>, _ offset: inout Float) {
            let p = row + 18 * b
            let d = halfToFloat(p.loadUnaligned(as: UInt16.self))
            let (lo, hi) = nibbles(p.loadUnaligned(fromByteOffset: 2, as: SIMD16<UInt8>.self))
            var s = lo * load16(xs, 2 * b)
            s.addProduct(hi, load16(xs, 2 * b + 1))
            acc.addProduct(SIMD16(repeating: d), s)
            offset.addProduct(d, xSums[b])
        }
        while b + 2 <= blocks {
            block(b, &acc0, &offset0)
            block(b + 1, &acc1, &offset1)
            b += 2
        }
        if b < blocks { block(b, &acc0, &offset0) }
        return horizontalSum(acc0 + acc1) - 8 * (offset0 + offset1)
    }

    /// Q4_1: Σ_blocks d · Σ_j q_j x_j + m · xSums[b], with `xSums[b] = Σ_j x[32b + j]`.
    private static func dotQ4_1(
        _ row: UnsafeRawPointer, _ x: UnsafePointer<Float>, _ xSums: UnsafePointer<Float>, _ blocks: Int
    ) -> Float {
        let xs = UnsafeRawPointer(x)
        var acc0 = SIMD16<Float>(), acc1 = SIMD16<Float>()
        var mSum0: Float = 0, mSum1: Float = 0
        var b = 0
        @inline(__always) func block(_ b: Int, _ acc: inout SIMD16<Float>, _ mSum: inout Float) {
            let p = row + 20 * b
            let d = halfToFloat(p.loadUnaligned(as: UInt16.self))
            let m = halfToFloat(p.loadUnaligned(fromByteOffset: 2, as: UInt16.self))
            let (lo, hi) = nibbles(p.loadUnaligned(fromByteOffset: 4, as: SIMD16<UInt8>.self))
            var s = lo * load16(xs, 2 * b)
            s.addProduct(hi, load16(xs, 2 * b + 1))
            acc.addProduct(SIMD16(repeating: d), s)
            mSum.addProduct(m, xSums[b])
        }
        while b + 2 <= blocks {
            block(b, &acc0, &mSum0)
            block(b + 1, &acc1, &mSum1)
            b += 2
        }
        if b < blocks { block(b, &acc0, &mSum0) }
        return horizontalSum(acc0 + acc1) + (mSum0 + mSum1)
    }

    /// Q8_0: Σ_blocks d · Σ_j q_j x_j.
    private static func dotQ8_0(_ row: UnsafeRawPointer, _ x: UnsafePointer<Float>, _ blocks: Int) -> Float {
        let xs = UnsafeRawPointer(x)
        var acc0 = SIMD16<Float>(), acc1 = SIMD16<Float>()
        var b = 0
        @inline(__always) func block(_ b: Int, _ acc: inout SIMD16<Float>) {
            let p = row + 34 * b
            let d = halfToFloat(p.loadUnaligned(as: UInt16.self))
            let (q0, q1) = int8s(p + 2)
            var s = q0 * load16(xs, 2 * b)
            s.addProduct(q1, load16(xs, 2 * b + 1))
            acc.addProduct(SIMD16(repeating: d), s)
        }
        while b + 2 <= blocks {
            block(b, &acc0)
            block(b + 1, &acc1)
            b += 2
        }
        if b < blocks { block(b, &acc0) }
        return horizontalSum(acc0 + acc1)
    }

    private static func dotF32(_ row: UnsafeRawPointer, _ x: UnsafePointer<Float>, _ count: Int) -> Float {
        let xs = UnsafeRawPointer(x)
        var acc0 = SIMD16<Float>(), acc1 = SIMD16<Float>()
        var i = 0
        while i + 32 <= count {
            acc0.addProduct(row.loadUnaligned(fromByteOffset: 4 * i, as: SIMD16<Float>.self), load16(xs + 4 * i, 0))
            acc1.addProduct(row.loadUnaligned(fromByteOffset: 4 * i + 64, as: SIMD16<Float>.self), load16(xs + 4 * i, 1))
            i += 32
        }
        var sum = horizontalSum(acc0 + acc1)
        while i < count {
            sum += row.loadUnaligned(fromByteOffset: 4 * i, as: Float.self) * x[i]
            i += 1
        }
        return sum
    }

    private static func dotF16(_ row: UnsafeRawPointer, _ x: UnsafePointer<Float>, _ count: Int) -> Float {
        let xs = UnsafeRawPointer(x)
        var acc0 = SIMD16<Float>(), acc1 = SIMD16<Float>()
        var i = 0
        while i + 32 <= count {
            let h0 = row.loadUnaligned(fromByteOffset: 2 * i, as: SIMD16<Float16>.self)
            let h1 = row.loadUnaligned(fromByteOffset: 2 * i + 32, as: SIMD16<Float16>.self)
            acc0.addProduct(toFloat(h0), load16(xs + 4 * i, 0))
            acc1.addProduct(toFloat(h1), load16(xs + 4 * i, 1))
            i += 32
        }
        var sum = horizontalSum(acc0 + acc1)
        while i < count {
            sum += halfToFloat(row.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self)) * x[i]
            i += 1
        }
        return sum
    }

    private static func dotBF16(_ row: UnsafeRawPointer, _ x: UnsafePointer<Float>, _ count: Int) -> Float {
        let xs = UnsafeRawPointer(x)
        var acc0 = SIMD16<Float>(), acc1 = SIMD16<Float>()
        var i = 0
        while i + 32 <= count {
            let h0 = row.loadUnaligned(fromByteOffset: 2 * i, as: SIMD16<UInt16>.self)
            let h1 = row.loadUnaligned(fromByteOffset: 2 * i + 32, as: SIMD16<UInt16>.self)
            acc0.addProduct(bf16ToFloat(h0), load16(xs + 4 * i, 0))
            acc1.addProduct(bf16ToFloat(h1), load16(xs + 4 * i, 1))
            i += 32
        }
        var sum = horizontalSum(acc0 + acc1)
        while i < count {
            sum += bf16ToFloat(row.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self)) * x[i]
            i += 1
        }
        return sum
    }
}
