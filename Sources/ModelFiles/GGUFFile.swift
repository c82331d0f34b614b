import Foundation
import RagTuneTensor

/// A GGUF model file (v2 or v3, little-endian), memory-mapped and fully validated on open.
///
/// Layout (ggml's `gguf.h`): magic `GGUF`, u32 version, u64 tensor count, u64 metadata count;
/// the metadata key/value pairs; the tensor infos (name, u32 n_dims, n_dims × u64 `ne`
/// ne0-first, u32 ggml type, u64 offset relative to the data section); padding to
/// `general.alignment` (default 32); the data section.
///
/// Opening checks every count against the bytes that remain before allocating anything, and
/// every tensor's type, size (overflow-checked), alignment and bounds, so a truncated or
/// hostile file fails with a `ModelFilesError` naming the file instead of crashing.
/// Tensor bytes are not copied: `withTensorBytes` views the mapping.
public struct GGUFFile: MappedModelFile {
    /// Alignment used when `general.alignment` is absent.
    public static let defaultAlignment = 32
    /// Most dimensions a tensor may have (`GGML_MAX_DIMS`).
    public static let maxDimensions = 4

    /// Path (or given name) of the file, as used in errors.
    public var name: String { file.name }
    /// Format version: 2 or 3 (identical layouts).
    public let version: UInt32
    /// Data alignment in bytes (`general.alignment`, default 32).
    public let alignment: Int
    /// All metadata by key.
    public let metadata: [String: GGUFValue]
    /// Metadata keys in file order.
    public let metadataKeys: [String]
    /// Tensors in file order.
    public let tensors: [GGUFTensorInfo]
    /// Absolute offset of the data section.
    public let dataOffset: Int
    private let tensorIndex: [String: Int]
    private let file: MappedFile

    /// Parses an already mapped file.
    public init(file: MappedFile) throws {
        let header = try file.withUnsafeBytes { try GGUFHeader(parsing: $0, file: file.name) }
        self.file = file
        version = header.version
        alignment = header.alignment
        metadata = header.metadata
        metadataKeys = header.metadataKeys
        tensors = header.tensors
        dataOffset = header.dataOffset
        var index: [String: Int] = [:]
        index.reserveCapacity(header.tensors.count)
        for (i, tensor) in header.tensors.enumerated() { index[tensor.name] = i }
        tensorIndex = index
    }

    /// The mapping behind this file, for readers that keep pointers into tensor data (weights used
    /// in place, never copied). Offsets in `tensors` are absolute offsets into it.
    public var mappedFile: MappedFile { file }

    /// The tensor named `name`, or nil.
    public func tensor(named name: String) -> GGUFTensorInfo? {
        tensorIndex[name].map { tensors[$0] }
    }

    /// The tensor named `name`, or `ModelFilesError.tensorNotFound`.
    public func requireTensor(_ name: String) throws -> GGUFTensorInfo {
        guard let info = tensor(named: name) else { throw ModelFilesError.tensorNotFound(file: self.name, name: name) }
        return info
    }

    /// Read access to a tensor's raw stored bytes (`info.byteCount` bytes, any alignment),
    /// e.g. for `Quantization.matvec` straight from the mapping.
    public func withTensorBytes<R>(_ name: String, _ body: (UnsafeRawBufferPointer) throws -> R) throws -> R {
        let info = try requireTensor(name)
        return try file.withUnsafeBytes(in: info.offset..<(info.offset + info.byteCount),
                                        what: "tensor '\(name)' data", body)
    }

    /// The tensor's elements dequantized to Float32, in storage order (ne0 fastest).
    /// - Returns: `info.elementCount` floats.
    public func floats(_ name: String) throws -> [Float] {
        let info = try requireTensor(name)
        return try withTensorBytes(name) { bytes in
            guard info.elementCount > 0, let base = bytes.baseAddress else { return [] }
            return [Float](unsafeUninitializedCapacity: info.elementCount) { buffer, initialized in
                Quantization.dequantize(type: info.type, from: base, count: info.elementCount,
                                        into: buffer.baseAddress!)
                initialized = info.elementCount
            }
        }
    }

    /// The tensor dequantized as a row-major `Tensor` of shape `info.shape`
    /// (GGUF dimensions reversed: `[out, in]` for a weight matrix).
    public func tensor(_ name: String) throws -> Tensor {
        let info = try requireTensor(name)
        return Tensor(shape: info.shape, values: try floats(name))
    }
}
