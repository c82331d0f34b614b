import RagTuneTensor

/// One tensor of a GGUF file, validated against the file: its data
/// `[offset, offset + byteCount)` lies inside the file and does not overlap another tensor.
public struct GGUFTensorInfo: Sendable, Equatable {
    /// Tensor name, e.g. `blk.0.attn_q.weight`.
    public let name: String
    /// Dimensions as stored in GGUF: `ne0` first, the fastest-varying (contiguous) one.
    /// A weight matrix with `out` rows of `in` weights is `[in, out]`. 0 to 4 entries.
    public let dimensions: [Int]
    /// Storage type of the elements.
    public let type: QuantType
    /// Absolute byte offset of the data in the file: the data section start plus the
    /// relative offset stored in the tensor info (`relativeOffset`).
    public let offset: Int
    /// Offset as stored in the file, relative to the data section (a multiple of the alignment).
    public let relativeOffset: Int
    /// Bytes of data: `elementCount / type.blockSize * type.bytesPerBlock`.
    public let byteCount: Int
    /// Product of `dimensions` (1 for zero dimensions).
    public let elementCount: Int

    /// Row-major shape, outermost first (`dimensions` reversed), as `Tensor` uses:
    /// `[out, in]` for a weight matrix.
    public var shape: [Int] { dimensions.reversed() }

    /// Elements per row (`ne0`): the length of `Quantization.dot` over one row.
    public var rowLength: Int { dimensions.first ?? 1 }

    /// Number of rows (product of all dimensions but the first).
    public var rowCount: Int { dimensions.dropFirst().reduce(1, *) }

    /// Bytes per row.
    public var rowByteCount: Int { rowLength / type.blockSize * type.bytesPerBlock }

    public init(name: String, dimensions: [Int], type: QuantType, offset: Int, relativeOffset: Int,
                byteCount: Int, elementCount: Int) {
        self.name = name
        self.dimensions = dimensions
        self.type = type
        self.offset = offset
        self.relativeOffset = relativeOffset
        self.byteCount = byteCount
        self.elementCount = elementCount
    }
}
