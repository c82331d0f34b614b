/// Conversion between Float32 and the stored weight formats of `QuantType`, with ggml's block
/// layouts (`ggml-common.h`); 32 weights per quantized block, all fields little-endian:
///
/// - Q4_0 (18 bytes): f16 `d`, 16 bytes `qs`. Weight j (0..<16) is `d * ((qs[j] & 0xF) - 8)`,
///   weight j+16 is `d * ((qs[j] >> 4) - 8)`.
/// - Q4_1 (20 bytes): f16 `d`, f16 `m`, 16 bytes `qs`. Weight j is `d * (qs[j] & 0xF) + m`,
///   weight j+16 is `d * (qs[j] >> 4) + m`.
/// - Q8_0 (34 bytes): f16 `d`, 32 × int8 `qs`. Weight j is `d * qs[j]`.
/// - F16 / BF16 / F32: one element of 2 / 2 / 4 bytes.
///
/// The pointer functions are kernels: the caller guarantees the buffer sizes
/// (`type.byteCount(elements: count)` bytes), and `count` must be a whole number of blocks.
/// Sources may be unaligned (model files are read straight from an mmap).
public enum Quantization {
    /// Decodes `count` weights stored as `type` into Float32.
    /// - Parameters:
    ///   - source: `type.byteCount(elements: count)` bytes, any alignment.
    ///   - count: number of weights; a multiple of `type.blockSize`.
    ///   - destination: room for `count` floats.
    public static func dequantize(
        type: QuantType, from source: UnsafeRawPointer, count: Int, into destination: UnsafeMutablePointer<Float>
    ) {
        precondition(count >= 0 && count % type.blockSize == 0, "\(count) is not a whole number of \(type) blocks")
        let out = UnsafeMutableRawPointer(destination)
        switch type {
        case .f32:
            out.copyMemory(from: source, byteCount: count * 4)
        case .f16:
            var i = 0
            while i + 16 <= count {
                let h = source.loadUnaligned(fromByteOffset: 2 * i, as: SIMD16<Float16>.self)
                out.storeBytes(of: toFloat(h), toByteOffset: 4 * i, as: SIMD16<Float>.self)
                i += 16
            }
            for j in i..<count { destination[j] = halfToFloat(source.loadUnaligned(fromByteOffset: 2 * j, as: UInt16.self)) }
        case .bf16:
            var i = 0
            while i + 16 <= count {
                let h = source.loadUnaligned(fromByteOffset: 2 * i, as: SIMD16<UInt16>.self)
                out.storeBytes(of: bf16ToFloat(h), toByteOffset: 4 * i, as: SIMD16<Float>.self)
                i += 16
            }
            for j in i..<count { destination[j] = bf16ToFloat(source.loadUnaligned(fromByteOffset: 2 * j, as: UInt16.self)) }
        case .q4_0:
            for b in 0..<(count / 32) {
                let block = source + 18 * b
                let d = SIMD16<Float>(repeating: halfToFloat(block.loadUnaligned(as: UInt16.self)))
                let (lo, hi) = nibbles(block.loadUnaligned(fromByteOffset: 2, as: SIMD16<UInt8>.self))
                out.storeBytes(of: (lo - 8) * d, toByteOffset: 128 * b, as: SIMD16<Float>.self)
                out.storeBytes(of: (hi - 8) * d, toByteOffset: 128 * b + 64, as: SIMD16<Float>.self)
            }
        case .q4_1:
            for b in 0..<(count / 32) {
                let block = source + 20 * b
                let d = SIMD16<Float>(repeating: halfToFloat(block.loadUnaligned(as: UInt16.self)))
                let m = SIMD16<Float>(repeating: halfToFloat(block.loadUnaligned(fromByteOffset: 2, as: UInt16.self)))
                let (lo, hi) = nibbles(block.loadUnaligned(fromByteOffset: 4, as: SIMD16<UInt8>.self))
                out.storeBytes(of: lo * d + m, toByteOffset: 128 * b, as: SIMD16<Float>.self)
                out.storeBytes(of: hi * d + m, toByteOffset: 128 * b + 64, as: SIMD16<Float>.self)
            }
        case .q8_0:
            for b in 0..<(count / 32) {
                let block = source + 34 * b
                let d = SIMD16<Float>(repeating: halfToFloat(block.loadUnaligned(as: UInt16.self)))
                let (q0, q1) = int8s(block + 2)
                out.storeBytes(of: q0 * d, toByteOffset: 128 * b, as: SIMD16<Float>.self)
                out.storeBytes(of: q1 * d, toByteOffset: 128 * b + 64, as: SIMD16<Float>.self)
            }
        }
    }

    /// Encodes `count` floats as `type`, bit-exact with ggml's reference quantizers
    /// (`quantize_row_q4_0_ref`, `quantize_row_q4_1_ref`, `quantize_row_q8_0_ref`) and
    /// round-to-nearest-even for F16/BF16. NaN inputs give unspecified (but valid) blocks.
    /// - Parameters:
    ///   - source: `count` floats.
    ///   - count: a multiple of `type.blockSize`.
    ///   - destination: room for `type.byteCount(elements: count)` bytes, any alignment.
    public static func quantize(
        type: QuantType, from source: UnsafePointer<Float>, count: Int, into destination: UnsafeMutableRawPointer
    ) {
        precondition(count >= 0 && count % type.blockSize == 0, "\(count) is not a whole number of \(type) blocks")
        switch type {
        case .f32:
            destination.copyMemory(from: source, byteCount: count * 4)
        case .f16:
            for i in 0..<count { destination.storeBytes(of: floatToHalf(source[i]), toByteOffset: 2 * i, as: UInt16.self) }
        case .bf16:
            for i in 0..<count { destination.storeBytes(of: floatToBF16(source[i]), toByteOffset: 2 * i, as: UInt16.self) }
        case .q4_0:
            for b in 0..<(count / 32) { quantizeQ4_0(source + 32 * b, destination + 18 * b) }
        case .q4_1:
            for b in 0..<(count / 32) { quantizeQ4_1(source + 32 * b, destination + 20 * b) }
        case .q8_0:
            for b in 0..<(count / 32) { quantizeQ8_0(source + 32 * b, destination + 34 * b) }
        }
    }

    /// Decodes a whole buffer of `type` data.
    /// - Returns: `bytes.count / type.bytesPerBlock * type.blockSize` floats, or nil when the
    ///   buffer is not a whole number of blocks.
    public static func dequantize(type: QuantType, bytes: UnsafeRawBufferPointer) -> [Float]? {
        guard bytes.count % type.bytesPerBlock == 0 else { return nil }
        let count = bytes.count / type.bytesPerBlock * type.blockSize
        guard let base = bytes.baseAddress, count > 0 else { return [] }
        return [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
            dequantize(type: type, from: base, count: count, into: buffer.baseAddress!)
            initialized = count
        }
    }

    /// Encodes `values` as `type`.
    /// - Returns: `type.byteCount(elements: values.count)` bytes, or nil when `values.count` is not a
    ///   whole number of blocks.
    public static func quantize(type: QuantType, _ values: [Float]) -> [UInt8]? {
        guard let byteCount = type.byteCount(elements: values.count) else { return nil }
        guard byteCount > 0 else { return [] }
        return values.withUnsafeBufferPointer { src in
            [UInt8](unsafeUninitializedCapacity: byteCount) { buffer, initialized in
                quantize(type: type, from: src.baseAddress!, count: values.count,
                         into: UnsafeMutableRawPointer(buffer.baseAddress!))
                initialized = byteCount
            }
        }
    }

    // MARK: - Reference block quantizers (one 32-weight block each)

    /// `quantize_row_q4_0_ref`: d = (value of largest magnitude) / -8, q = min(15, trunc(x/d + 8.5)).
    private static func quantizeQ4_0(_ x: UnsafePointer<Float>, _ y: UnsafeMutableRawPointer) {
        var amax: Float = 0, max: Float = 0
        for j in 0..<32 where amax < abs(x[j]) {
            amax = abs(x[j])
            max = x[j]
        }
        let d = max / -8
        let id: Float = d != 0 ? 1 / d : 0
        y.storeBytes(of: floatToHalf(d), as: UInt16.self)
        for j in 0..<16 {
            let lo = truncatedNibble(x[j] * id + 8.5)
            let hi = truncatedNibble(x[j + 16] * id + 8.5)
            y.storeBytes(of: lo | hi << 4, toByteOffset: 2 + j, as: UInt8.self)
        }
    }

    /// `quantize_row_q4_1_ref`: d = (max - min) / 15, m = min, q = min(15, trunc((x - min)/d + 0.5)).
    private static func quantizeQ4_1(_ x: UnsafePointer<Float>, _ y: UnsafeMutableRawPointer) {
        var min = Float.greatestFiniteMagnitude, max = -Float.greatestFiniteMagnitude
        for j in 0..<32 {
            if x[j] < min { min = x[j] }
            if x[j] > max { max = x[j] }
        }
        let d = (max - min) / 15
        let id: Float = d != 0 ? 1 / d : 0
        y.storeBytes(of: floatToHalf(d), as: UInt16.self)
        y.storeBytes(of: floatToHalf(min), toByteOffset: 2, as: UInt16.self)
        for j in 0..<16 {
            let lo = truncatedNibble((x[j] - min) * id + 0.5)
            let hi = truncatedNibble((x[j + 16] - min) * id + 0.5)
            y.storeBytes(of: lo | hi << 4, toByteOffset: 4 + j, as: UInt8.self)
        }
    }

    /// `quantize_row_q8_0_ref`: d = max|x| / 127, q = roundf(x/d) (ties away from zero).
    private static func quantizeQ8_0(_ x: UnsafePointer<Float>, _ y: UnsafeMutableRawPointer) {
        var amax: Float = 0
        for j in 0..<32 { amax = Swift.max(amax, abs(x[j])) }
        let d = amax / 127
        let id: Float = d != 0 ? 1 / d : 0
        y.storeBytes(of: floatToHalf(d), as: UInt16.self)
        for j in 0..<32 {
            let q = (x[j] * id).rounded(.toNearestOrAwayFromZero)
            let clamped: Int8 = q.isNaN ? 0 : Int8(Swift.min(127, Swift.max(-128, q)))
            y.storeBytes(of: clamped, toByteOffset: 2 + j, as: Int8.self)
        }
    }

    /// C's `MIN(15, (int8_t)v)` for the in-range values the reference produces; NaN and
    /// out-of-range values (from non-finite inputs) are clamped instead of trapping.
    @inline(__always)
    private static func truncatedNibble(_ v: Float) -> UInt8 {
        guard v.isFinite, v > 0 else { return 0 }
        return UInt8(Swift.min(15, v.rounded(.towardZero)))
    }
}

// MARK: - SIMD helpers shared with the dot-product kernels

extension Quantization {
    /// The 32 weights of a 4-bit block as floats 0...15: low nibbles (weights 0..<16) and
    /// high nibbles (weights 16..<32).
    @inline(__always)
    static func nibbles(_ q: SIMD16<UInt8>) -> (lo: SIMD16<Float>, hi: SIMD16<Float>) {
        (toFloat(q & 0x0F), toFloat(q &>> 4))
    }

    /// 32 int8 values at `p` (unaligned) as floats.
    @inline(__always)
    static func int8s(_ p: UnsafeRawPointer) -> (SIMD16<Float>, SIMD16<Float>) {
        (toFloat(p.loadUnaligned(as: SIMD16<Int8>.self)),
         toFloat(p.loadUnaligned(fromByteOffset: 16, as: SIMD16<Int8>.self)))
    }

    /// 16 BF16 bit patterns as floats.
    @inline(__always)
    static func bf16ToFloat(_ h: SIMD16<UInt16>) -> SIMD16<Float> {
        var bits = SIMD16<UInt32>()
        for i in 0..<16 { bits[i] = UInt32(h[i]) }
        return unsafeBitCast(bits &<< 16, to: SIMD16<Float>.self)
    }

    // The stdlib's generic SIMD conversions are not inlined (a call per vector); these
    // per-lane loops are, and LLVM turns them into vpmovzx/vpmovsx + vcvtdq2ps / vcvtph2ps.

    @inline(__always)
    static func toFloat(_ v: SIMD16<UInt8>) -> SIMD16<Float> {
        var r = SIMD16<Float>()
        for i in 0..<16 { r[i] = Float(v[i]) }
        return r
    }

    @inline(__always)
    static func toFloat(_ v: SIMD16<Int8>) -> SIMD16<Float> {
        var r = SIMD16<Float>()
        for i in 0..<16 { r[i] = Float(v[i]) }
        return r
    }

    @inline(__always)
    static func toFloat(_ v: SIMD16<Float16>) -> SIMD16<Float> {
        var r = SIMD16<Float>()
        for i in 0..<16 { r[i] = Float(v[i]) }
        return r
    }
}
