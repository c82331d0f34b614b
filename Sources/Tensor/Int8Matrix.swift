import CKernels

/// A Q4_0/Q4_1/Q8_0 weight matrix repacked for the int8 kernels: rows in groups of four, each
/// block of the four rows' quants in one 64-byte line (128 for Q8_0), each run of blocks preceded
/// by its scales, so one activation block is loaded once for four rows and a group is read as one
/// forward stream. Owns its 64-byte-aligned buffer and never
/// changes it after `init`, which is why it is `@unchecked Sendable`.
public final class Int8Matrix: @unchecked Sendable {
    public let type: QuantType
    public let rows: Int
    public let columns: Int
    /// Groups of four rows (the last one padded with zero rows).
    public let groupCount: Int
    private let groupBytes: Int
    private let storage: UnsafeMutableRawPointer

    /// Types the kernels multiply.
    public static func supports(_ type: QuantType) -> Bool { [.q4_0, .q4_1, .q8_0].contains(type) }

    /// Repacks `rowCount` stored rows of `columns` weights of `type`, `rowBytes` apart.
    /// Returns nil when the type has no int8 kernel or `columns` is not a whole number of blocks.
    public init?(type: QuantType, rows source: UnsafeRawPointer, rowBytes: Int, rowCount: Int, columns: Int) {
        guard Self.supports(type), rowCount >= 0, rowBytes == type.byteCount(elements: columns) else { return nil }
        let groupBytes = Int(rt_int8_group_bytes(Int32(type.rawValue), Int64(columns)))
        guard groupBytes > 0 else { return nil }
        self.type = type
        rows = rowCount
        self.columns = columns
        groupCount = (rowCount + 3) / 4
        self.groupBytes = groupBytes
        storage = .allocate(byteCount: max(1, groupCount * groupBytes), alignment: 64)
        let status = rt_int8_repack(Int32(type.rawValue), source, Int64(rowBytes), Int64(rowCount), Int64(columns), storage)
        precondition(status == 0, "repacking a checked \(type) matrix failed")
    }

    deinit { storage.deallocate() }

    /// Bytes the repacked matrix occupies (read once per matrix-vector product).
    public var byteCount: Int { groupCount * groupBytes }

    /// y[r] = row r · x for the rows of `groups` (row indices from the matrix's first row; y must
    /// have room for `rows` floats, of which only those rows are written).
    /// - Parameter x: `columns` activations.
    public func multiply(_ x: Int8Activations, into y: UnsafeMutablePointer<Float>, groups: Range<Int>,
                         kernel: Int8Kernel = .selected) {
        precondition(x.count == columns && x.vectorCount == 1, "\(x.vectorCount)×\(x.count) activations for \(columns) columns")
        precondition(groups.lowerBound >= 0 && groups.upperBound <= groupCount, "groups \(groups) of \(groupCount)")
        guard !groups.isEmpty else { return }
        rt_int8_matvec(kernel.code, Int32(type.rawValue), storage, Int64(groups.lowerBound), Int64(groups.count),
                       Int64(rows), Int64(columns), x.pointer, x.outlierPointer, x.outlierCountPointer[0], y)
    }

    /// Y[v][r] = row r · vector v of `batch` for the rows of `groups`, into `y + v · ldy` (prefill
    /// and batched decode): each block of weights is unpacked once per four vectors.
    public func multiply(batch: Int8Activations, into y: UnsafeMutablePointer<Float>, ldy: Int, groups: Range<Int>,
                         kernel: Int8Kernel = .selected) {
        precondition(batch.count == columns, "\(batch.count) activations for \(columns) columns")
        precondition(ldy >= rows, "ldy \(ldy) < \(rows) rows")
        precondition(groups.lowerBound >= 0 && groups.upperBound <= groupCount, "groups \(groups) of \(groupCount)")
        guard !groups.isEmpty, batch.vectorCount > 0 else { return }
        rt_int8_matmul(kernel.code, Int32(type.rawValue), storage, Int64(groups.lowerBound), Int64(groups.count),
                       Int64(rows), Int64(columns), Int64(batch.vectorCount), batch.pointer, batch.outlierPointer,
                       batch.outlierCountPointer, y, Int64(ldy))
    }

    /// Dequantizes rows `range` into `out` (`[range.count, columns]`): exactly the floats of
    /// `Quantization.dequantize` on the stored rows.
    public func dequantize(rows range: Range<Int>, into out: UnsafeMutablePointer<Float>) {
        precondition(range.lowerBound >= 0 && range.upperBound <= rows, "rows \(range) of \(rows)")
        rt_int8_dequantize(Int32(type.rawValue), storage, Int64(range.lowerBound), Int64(range.count), Int64(columns), out)
    }
}
