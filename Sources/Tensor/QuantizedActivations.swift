import CKernels

/// Activations quantized to 8 bits per block of 32, with a scale per block (and the scaled sum
/// that Q4_1's offset term needs): llama.cpp's Q8_1 scheme. The decoder's int8 path multiplies
/// these with quantized weight rows using integer dot products.
public struct QuantizedActivations {
    var blocks: [rt_block_q8]
    /// Floats the current contents stand for (a multiple of 32).
    public private(set) var count = 0

    public init() { blocks = [] }

    /// Quantizes `count` floats (a multiple of 32): x ≈ d·q with d = max|x|/127 per block.
    public mutating func quantize(_ x: UnsafePointer<Float>, count: Int) {
        precondition(count % 32 == 0, "int8 activations need whole blocks of 32, got \(count)")
        if blocks.count < count / 32 { blocks = [rt_block_q8](repeating: rt_block_q8(), count: count / 32) }
        blocks.withUnsafeMutableBufferPointer { rt_quantize_q8(x, Int32(count), $0.baseAddress!) }
        self.count = count
    }

    /// Per block, the scale times the sum of its quants (fp16-rounded, as ggml's Q8_1 `s`), for tests.
    public func blockSums() -> [Float] {
        blocks.prefix(count / 32).map(\.s)
    }

    /// The values the quantized blocks stand for, for tests. - Returns: `count` floats
    public func dequantized() -> [Float] {
        blocks.prefix(count / 32).flatMap { block in
            withUnsafeBytes(of: block.qs) { $0.map { Float(Int8(bitPattern: $0)) * block.d } }
        }
    }
}

extension Quantization {
    /// Weight types with integer kernels for int8 activations.
    public static func hasInt8Kernel(_ type: QuantType) -> Bool {
        type == .q4_0 || type == .q4_1 || type == .q8_0
    }

    /// The instruction set of the integer kernels on this CPU (`avx512vnni` or `avx2`).
    public static var int8KernelISA: String { String(cString: rt_kernel_isa()) }

    /// y[r] = row r · x for `rowCount` rows of `type` (Q4_0/Q4_1/Q8_0) against int8 activations,
    /// using integer dot products per block. `x.count` is the row length.
    public static func matvec(type: QuantType, rows: UnsafeRawPointer, rowBytes: Int, rowCount: Int,
                              x: QuantizedActivations, y: UnsafeMutablePointer<Float>) {
        precondition(hasInt8Kernel(type), "no int8 kernel for \(type)")
        let blocks = Int32(x.count / 32)
        x.blocks.withUnsafeBufferPointer { xb in
            switch type {
            case .q4_0: rt_matvec_q4_0(rows, rowBytes, Int32(rowCount), xb.baseAddress!, blocks, y)
            case .q4_1: rt_matvec_q4_1(rows, rowBytes, Int32(rowCount), xb.baseAddress!, blocks, y)
            default: rt_matvec_q8_0(rows, rowBytes, Int32(rowCount), xb.baseAddress!, blocks, y)
            }
        }
    }
}
