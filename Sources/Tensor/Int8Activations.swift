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
    /// Vector v's outliers are at outliers + v · count / 32 (at most one per block).
    private var outliers: UnsafeMutablePointer<rt_q8_outlier>
    private var outlierCounts: UnsafeMutablePointer<Int64>
    private var capacity: Int
    private var vectorCapacity: Int
    /// Floats each vector of the current contents stands for (a multiple of 32).
    public private(set) var count = 0
    /// Vectors in the current contents (tokens of a batch).
    public private(set) var vectorCount = 0
    /// Activations set aside as outliers in the current contents, over all vectors.
    public var outlierCount: Int { (0..<vectorCount).reduce(0) { $0 + Int(outlierCounts[$1]) } }

    /// The default outlier threshold. On SmolLM2's fixture logits (one token at a time) it halves
    /// the mean |Δ| from exact math (0.089 vs 0.161 for llama.cpp's plain scheme; 0.115 at ratio
    /// 4, 0.123 at 8) with about 5 outliers per vector, for about 3% of decode speed.
    public static let defaultOutlierRatio: Float = 2

    public init(outlierRatio: Float = Int8Activations.defaultOutlierRatio) {
        self.outlierRatio = outlierRatio
        capacity = 0
        vectorCapacity = 0
        blocks = .allocate(capacity: 1)
        outliers = .allocate(capacity: 1)
        outlierCounts = .allocate(capacity: 1)
    }

    deinit {
        blocks.deallocate()
        outliers.deallocate()
        outlierCounts.deallocate()
    }

    /// Quantizes `count` floats (a multiple of 32) as one vector: per block d = max|x| / 127 and
    /// q = round(x / d) (ties to even), d rounded to fp16 as ggml stores it.
    public func quantize(_ x: UnsafePointer<Float>, count: Int) {
        quantize(x, columns: count, vectors: 1)
    }

    /// Quantizes `vectors` rows of `columns` floats each (`x` is `[vectors, columns]`), each row
    /// as `quantize(_:count:)` does: the right-hand side of `Int8Matrix.multiply(batch:)`. With a
    /// `pool`, its workers share the rows.
    public func quantize(_ x: UnsafePointer<Float>, columns: Int, vectors: Int, pool: WorkerPool? = nil) {
        precondition(columns >= 0 && columns % 32 == 0, "int8 activations need whole blocks of 32, got \(columns)")
        precondition(vectors >= 0, "\(vectors) vectors")
        let blocksPerVector = columns / 32
        if blocksPerVector * vectors > capacity {
            blocks.deallocate()
            outliers.deallocate()
            capacity = blocksPerVector * vectors
            blocks = .allocate(capacity: capacity)
            outliers = .allocate(capacity: capacity)
        }
        if vectors > vectorCapacity {
            outlierCounts.deallocate()
            vectorCapacity = vectors
            outlierCounts = .allocate(capacity: vectors)
        }
        if let pool, pool.threadCount > 1, vectors > 1 {
            pool.run(QuantizeJob(activations: self, x: x, columns: columns, vectors: vectors, workers: pool.threadCount))
        } else {
            // No job to hand out: one vector (a decode step) is quantized here.
            quantizeRows(x, columns: columns, 0..<vectors)
        }
        count = columns
        vectorCount = vectors
    }

    /// Quantizes vectors `rows` of `x` (`columns` floats each) into their blocks and outliers.
    fileprivate func quantizeRows(_ x: UnsafePointer<Float>, columns: Int, _ rows: Range<Int>) {
        let blocksPerVector = columns / 32
        for v in rows {
            outlierCounts[v] = rt_int8_quantize(x + v * columns, Int64(columns), outlierRatio, blocks + v * blocksPerVector,
                                                outliers + v * blocksPerVector)
        }
    }

    /// The block, outlier and outlier-count pointers for the kernels.
    var pointer: UnsafePointer<rt_q8_block> { UnsafePointer(blocks) }
    var outlierPointer: UnsafePointer<rt_q8_outlier> { UnsafePointer(outliers) }
    var outlierCountPointer: UnsafePointer<Int64> { UnsafePointer(outlierCounts) }

    /// The values the blocks stand for (d · q, and each outlier's own value), for tests.
    /// - Returns: `vectorCount × count` floats
    public func dequantized() -> [Float] {
        let blocksPerVector = count / 32
        var values = (0..<vectorCount * blocksPerVector).flatMap { b in
            withUnsafeBytes(of: blocks[b].qs) { bytes in bytes.map { Float(Int8(bitPattern: $0)) * blocks[b].d } }
        }
        for v in 0..<vectorCount {
            for o in (v * blocksPerVector)..<(v * blocksPerVector + Int(outlierCounts[v])) {
                values[v * count + 32 * Int(outliers[o].block) + Int(outliers[o].index)] = outliers[o].value
            }
        }
        return values
    }

    /// The set-aside activations of every vector in order: (block within its vector, index in the
    /// block, value), for tests.
    public func outlierList() -> [(block: Int, index: Int, value: Float)] {
        (0..<vectorCount).flatMap { v in
            (0..<Int(outlierCounts[v])).map { o in
                let outlier = outliers[v * count / 32 + o]
                return (Int(outlier.block), Int(outlier.index), outlier.value)
            }
        }
    }

    /// Per block: the fp16-rounded d · Σq (ggml's `s`) and the exact Σq, for tests.
    public func blockSums() -> [(scaled: Float, sum: Int)] {
        (0..<vectorCount * count / 32).map { (blocks[$0].s, Int(blocks[$0].sum)) }
    }
}

/// Each worker's share of the vectors of `Int8Activations.quantize` (a batched decode step runs it
/// every token, so it is a job: no allocation).
private struct QuantizeJob: WorkerJob {
    let activations: Int8Activations, x: UnsafePointer<Float>, columns: Int, vectors: Int, workers: Int
    func run(worker: Int) {
        activations.quantizeRows(x, columns: columns, WorkerPool.share(of: vectors, worker: worker, workers: workers))
    }
}
