import RagTuneTensor

/// Element types of the safetensors format (the `dtype` strings of its JSON header).
/// Only F32, F16 and BF16 convert to Float32; the others can be listed and read as raw bytes.
public enum SafetensorsDType: String, Sendable, CaseIterable, CustomStringConvertible {
    case f64 = "F64", f32 = "F32", f16 = "F16", bf16 = "BF16"
    case i64 = "I64", i32 = "I32", i16 = "I16", i8 = "I8"
    case u64 = "U64", u32 = "U32", u16 = "U16", u8 = "U8"
    case bool = "BOOL", f8e4m3 = "F8_E4M3", f8e5m2 = "F8_E5M2"

    /// Bytes per element.
    public var byteSize: Int {
        switch self {
        case .f64, .i64, .u64: return 8
        case .f32, .i32, .u32: return 4
        case .f16, .bf16, .i16, .u16: return 2
        case .i8, .u8, .bool, .f8e4m3, .f8e5m2: return 1
        }
    }

    /// The matching `QuantType` for the float types this library converts (F32, F16, BF16).
    public var quantType: QuantType? {
        switch self {
        case .f32: return .f32
        case .f16: return .f16
        case .bf16: return .bf16
        default: return nil
        }
    }

    public var description: String { rawValue }
}

/// One tensor of a safetensors file, validated against the file.
public struct SafetensorsTensorInfo: Sendable, Equatable {
    /// Tensor name, e.g. `encoder.layer.0.attention.self.query.weight`.
    public let name: String
    public let dtype: SafetensorsDType
    /// Row-major shape, outermost first (PyTorch order): `[out, in]` for a Linear weight.
    public let shape: [Int]
    /// Absolute byte range of the data in the file (header length + 8 + `data_offsets`).
    public let byteRange: Range<Int>
    /// Product of `shape` (1 for a scalar).
    public let elementCount: Int

    public init(name: String, dtype: SafetensorsDType, shape: [Int], byteRange: Range<Int>, elementCount: Int) {
        self.name = name
        self.dtype = dtype
        self.shape = shape
        self.byteRange = byteRange
        self.elementCount = elementCount
    }
}
