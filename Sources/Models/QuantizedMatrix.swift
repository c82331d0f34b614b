import RagTuneModelFiles
import RagTuneTensor

/// A weight matrix used in place inside a memory-mapped GGUF file, in its stored type
/// (Q4_0/Q4_1/Q8_0/F16/BF16/F32). Row r holds output r's weights: GGUF dimensions `[columns, rows]`.
public struct QuantizedMatrix: Sendable {
    public let name: String
    public let type: QuantType
    /// Output features (GGUF ne1).
    public let rows: Int
    /// Input features (GGUF ne0).
    public let columns: Int
    /// Bytes per stored row.
    public let rowBytes: Int
    /// The same weights repacked for the int8 kernels (Q4_0/Q4_1/Q8_0; nil for other types).
    public let int8: Int8Matrix?
    private let file: MappedFile
    private let offset: Int // absolute, validated by the GGUF reader

    /// Looks up `name` in `gguf` and checks its shape against `[rows, columns]` (out, in).
    /// - Parameter int8: whether to repack the weights for the int8 kernels (when the type has them).
    public init(_ gguf: GGUFFile, _ name: String, rows: Int, columns: Int, int8 repack: Bool = true) throws {
        let info = try gguf.requireTensor(name)
        guard info.dimensions == [columns, rows] else {
            throw ModelError.wrongShape(file: gguf.name, name: name, expected: [columns, rows], actual: info.dimensions)
        }
        self.name = name
        type = info.type
        self.rows = rows
        self.columns = columns
        rowBytes = info.rowByteCount
        file = gguf.mappedFile
        offset = info.offset
        let (type, rowBytes) = (type, rowBytes)
        int8 = !repack ? nil : file.withUnsafeBytes { bytes in
            Int8Matrix(type: type, rows: bytes.baseAddress! + info.offset, rowBytes: rowBytes, rowCount: rows, columns: columns)
        }
        // Reading the rows to repack them paged them in; the repacked copy serves from now on.
        if int8 != nil { file.release(info.offset..<(info.offset + rows * rowBytes)) }
    }

    /// Read access to the stored rows.
    public func withRows<R>(_ body: (UnsafeRawPointer) throws -> R) rethrows -> R {
        try file.withUnsafeBytes { try body($0.baseAddress! + offset) }
    }

    /// Matrices and where each one's product goes.
    public typealias Products = [(matrix: QuantizedMatrix, output: UnsafeMutablePointer<Float>)]

    /// y = W · x for several matrices that read the same `x` (q/k/v, gate/up), in one parallel
    /// region of `pool`: each worker takes its share of every matrix's rows. With `vectors` > 1,
    /// x is `[vectors, columns]` and vector v's product goes to `output + v · matrix.rows`.
    public static func multiply(_ products: Products, _ x: UnsafePointer<Float>, vectors: Int = 1, pool: WorkerPool) {
        struct Job: WorkerJob {
            let products: Products, x: UnsafePointer<Float>, vectors: Int, workers: Int
            func run(worker: Int) {
                for (matrix, output) in products {
                    for v in 0..<vectors {
                        matrix.multiply(x + v * matrix.columns, into: output + v * matrix.rows, share: worker, of: workers)
                    }
                }
            }
        }
        pool.run(Job(products: products, x: x, vectors: vectors, workers: pool.threadCount))
    }

    /// y = W · x for several matrices that read the same int8 activations `x`, on their repacked
    /// weights (each matrix must have `int8`), in one parallel region of `pool`.
    public static func multiply(_ products: Products, _ x: Int8Activations, pool: WorkerPool, kernel: Int8Kernel = .selected) {
        pool.run(Int8ProductsJob(products: products, x: x, batch: false, workers: pool.threadCount, kernel: kernel))
    }

    /// Y = X · Wᵀ for several matrices that read the same batch of int8 activation vectors
    /// (`[batch.vectorCount, columns]`; output v of a matrix goes to `output + v · matrix.rows`),
    /// on their repacked weights, in one parallel region of `pool`: each worker takes its share of
    /// every matrix's rows for all vectors.
    public static func multiply(_ products: Products, batch: Int8Activations, pool: WorkerPool, kernel: Int8Kernel = .selected) {
        pool.run(Int8ProductsJob(products: products, x: batch, batch: true, workers: pool.threadCount, kernel: kernel))
    }

    /// Each worker's share of the row groups of every matrix, times one int8 vector or a batch of them.
    private struct Int8ProductsJob: WorkerJob {
        let products: Products, x: Int8Activations, batch: Bool, workers: Int, kernel: Int8Kernel
        func run(worker: Int) {
            for (matrix, output) in products {
                guard let packed = matrix.int8 else { preconditionFailure("\(matrix.name) has no int8 weights") }
                let share = WorkerPool.share(of: packed.groupCount, worker: worker, workers: workers)
                if batch {
                    packed.multiply(batch: x, into: output, ldy: matrix.rows, groups: share, kernel: kernel)
                } else {
                    packed.multiply(x, into: output, groups: share, kernel: kernel)
                }
            }
        }
    }

    /// The rows of worker `share` of `workers` (contiguous, nearly equal), multiplied.
    fileprivate func multiply(_ x: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>, share: Int, of workers: Int) {
        let part = WorkerPool.share(of: rows, worker: share, workers: workers)
        guard !part.isEmpty else { return }
        withRows { base in
            Quantization.matvec(type: type, rows: base + part.lowerBound * rowBytes, rowCount: part.count, columns: columns,
                                x: x, y: y + part.lowerBound)
        }
    }

    /// Dequantizes rows `range` into `out` (`[range.count, columns]`, row-major). Reads the
    /// repacked copy when there is one (the same floats), so the mapped rows stay out of memory.
    public func dequantize(rows range: Range<Int>, into out: UnsafeMutablePointer<Float>) {
        if let int8 { return int8.dequantize(rows: range, into: out) }
        withRows { base in
            Quantization.dequantize(type: type, from: base + range.lowerBound * rowBytes,
                                    count: range.count * columns, into: out)
        }
    }
}
