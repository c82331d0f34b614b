import CKernels

/// A vector of activations quantized to int8 per block of 32 (x ≈ d·q, with d·Σq for the Q4_1
/// offset term): llama.cpp's Q8_1 scheme, the right-hand side of `Int8Matrix.multiply`. A block
/// whose largest |x| is an outlier (more than `outlierRatio` times the block's second largest)
/// has it set aside and multiplied exactly, so the other 31 keep a fine step: SmolLM2's residual
/// stream carries activations in the thousands beside ones near 1, which a plain per-block scale
/// rounds to zero. A reusable buffer with one owner; not `Sendable`.
public final class Int8Activations {
    /// The outlier threshold; 0 quantizes every block as llama.cpp does.
    public let outlierRatio: Float
    private var blocks: UnsafeMutablePointer<rt_q8_block>
    private var outliers: UnsafeMutablePointer<rt_q8_outlier>
    private var capacity: Int
    /// Floats the current contents stand for (a multiple of 32).
    public private(set) var count = 0
    /// Activations set aside as outliers in the current contents.
    public private(set) var outlierCount = 0

    /// The default outlier threshold. On SmolLM2's fixture logits (one token at a time) it halves
    /// the mean |Δ| from exact math (0.089 vs 0.161 for llama.cpp's plain scheme; 0.115 at ratio
    /// 4, 0.123 at 8) with about 5 outliers per vector, for about 3% of decode speed.
    public static let defaultOutlierRatio: Float = 2

    public init(outlierRatio: Float = Int8Activations.defaultOutlierRatio) {
        self.outlierRatio = outlierRatio
        capacity = 0
        blocks = .allocate(capacity: 1)
        outliers = .allocate(capacity: 1)
    }

    deinit {
        blocks.deallocate()
        outliers.deallocate()
    }

    /// Quantizes `count` floats (a multiple of 32): per block d = max|x| / 127 and q = round(x / d)
    /// (ties to even), d rounded to fp16 as ggml stores it.
    public func quantize(_ x: UnsafePointer<Float>, count: Int) {
        precondition(count >= 0 && count % 32 == 0, "int8 activations need whole blocks of 32, got \(count)")
        if count / 32 > capacity {
            blocks.deallocate()
            outliers.deallocate()
            capacity = count / 32
            blocks = .allocate(capacity: capacity)
            outliers = .allocate(capacity: capacity)
        }
        outlierCount = Int(rt_int8_quantize(x, Int64(count), outlierRatio, blocks, outliers))
        self.count = count
    }

    /// The block and outlier pointers for the kernels.
    var pointer: UnsafePointer<rt_q8_block> { UnsafePointer(blocks) }
    var outlierPointer: UnsafePointer<rt_q8_outlier> { UnsafePointer(outliers) }

    /// The values the blocks stand for (d · q, and each outlier's own value), for tests.
    /// - Returns: `count` floats
    public func dequantized() -> [Float] {
        var values = (0..<count / 32).flatMap { b in
            withUnsafeBytes(of: blocks[b].qs) { bytes in bytes.map { Float(Int8(bitPattern: $0)) * blocks[b].d } }
        }
        for o in 0..<outlierCount { values[32 * Int(outliers[o].block) + Int(outliers[o].index)] = outliers[o].value }
        return values
    }

    /// The set-aside activations: (block, index in the block, value), for tests.
    public func outlierList() -> [(block: Int, index: Int, value: Float)] {
        (0..<outlierCount).map { (Int(outliers[$0].block), Int(outliers[$0].index), outliers[$0].value) }
    }

    /// Per block: the fp16-rounded d · Σq (ggml's `s`) and the exact Σq, for tests.
    public func blockSums() -> [(scaled: Float, sum: Int)] {
        (0..<count / 32).map { (blocks[$0].s, Int(blocks[$0].sum)) }
    }
}
