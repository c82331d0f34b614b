import Foundation
import RagTuneTensor

/// Builds a safetensors file the way the reference implementation (`safetensors::serialize`)
/// lays it out: tensors ordered by dtype size (largest first), then name, so every tensor
/// stays aligned to its element size; `__metadata__` first in the JSON header; the header
/// padded with spaces to a multiple of 8 bytes.
public struct SafetensorsWriter: Sendable {
    /// One tensor to be written.
    public struct PendingTensor: Sendable, Equatable {
        public let name: String
        public let dtype: SafetensorsDType
        /// Row-major shape, outermost first.
        public let shape: [Int]
        /// Little-endian element bytes.
        public let bytes: [UInt8]
    }

    /// Name used in errors raised before a destination is known.
    static let errorName = "SafetensorsWriter"

    /// The `__metadata__` string map (omitted from the file when empty).
    public var metadata: [String: String]
    /// Tensors in insertion order.
    public private(set) var tensors: [PendingTensor] = []
    private var names = Set<String>()

    public init(metadata: [String: String] = [:]) {
        self.metadata = metadata
    }

    /// Adds a tensor from Float32 values (row-major), stored as `dtype` (F32, F16 or BF16;
    /// F16/BF16 round to nearest even).
    /// - Throws: `ModelFilesError` naming the tensor for another dtype, a count that does not
    ///   match `shape`, a negative dimension or a duplicate name.
    public mutating func add(name: String, dtype: SafetensorsDType, shape: [Int], floats: [Float]) throws {
        guard let type = dtype.quantType else {
            throw ModelFilesError.unsupportedDType(file: Self.errorName, tensor: name, dtype: dtype.rawValue)
        }
        let count = try Self.elementCount(name: name, shape: shape)
        guard floats.count == count else {
            throw ModelFilesError.invalidTensor(file: Self.errorName, tensor: name,
                                                reason: "\(floats.count) values given for shape \(shape)")
        }
        try add(name: name, dtype: dtype, shape: shape, bytes: Quantization.quantize(type: type, floats) ?? [])
    }

    /// Adds a tensor from raw little-endian bytes of any dtype.
    /// - Parameter bytes: exactly `product(shape) · dtype.byteSize` bytes.
    public mutating func add(name: String, dtype: SafetensorsDType, shape: [Int], bytes: [UInt8]) throws {
        guard name != SafetensorsHeader.metadataKey else {
            throw ModelFilesError.invalidTensor(file: Self.errorName, tensor: name, reason: "the name is reserved")
        }
        let count = try Self.elementCount(name: name, shape: shape)
        let (expected, overflow) = count.multipliedReportingOverflow(by: dtype.byteSize)
        guard !overflow, expected == bytes.count else {
            throw ModelFilesError.invalidTensor(file: Self.errorName, tensor: name,
                                                reason: "\(bytes.count) bytes given; shape \(shape) of \(dtype) needs \(expected)")
        }
        guard names.insert(name).inserted else {
            throw ModelFilesError.duplicateTensor(file: Self.errorName, name: name)
        }
        tensors.append(PendingTensor(name: name, dtype: dtype, shape: shape, bytes: bytes))
    }

    /// The whole file in memory.
    public func serialized() throws -> [UInt8] {
        var out: [UInt8] = []
        try write { out.append(contentsOf: $0) }
        return out
    }

    /// Writes the file to `url` atomically (temporary file + rename).
    public func write(to url: URL) throws {
        try AtomicFileWriter.write(to: url) { sink in try write(sink) }
    }

    private func write(_ sink: (UnsafeRawBufferPointer) throws -> Void) throws {
        let ordered = tensors.sorted {
            $0.dtype.byteSize != $1.dtype.byteSize ? $0.dtype.byteSize > $1.dtype.byteSize : $0.name < $1.name
        }
        var json = "{"
        var entries: [String] = []
        if !metadata.isEmpty {
            let pairs = metadata.keys.sorted().map { "\(JSONLiteral.string($0)):\(JSONLiteral.string(metadata[$0]!))" }
            entries.append("\(JSONLiteral.string(SafetensorsHeader.metadataKey)):{\(pairs.joined(separator: ","))}")
        }
        var offset = 0
        for tensor in ordered {
            let shape = tensor.shape.map(String.init).joined(separator: ",")
            entries.append("\(JSONLiteral.string(tensor.name)):{\"dtype\":\"\(tensor.dtype.rawValue)\",\"shape\":[\(shape)],"
                + "\"data_offsets\":[\(offset),\(offset + tensor.bytes.count)]}")
            offset += tensor.bytes.count
        }
        json += entries.joined(separator: ",") + "}"
        var header = Array(json.utf8)
        header.pad(to: 8, with: UInt8(ascii: " "))
        var prefix: [UInt8] = []
        prefix.appendLittleEndian(UInt64(header.count))
        try prefix.withUnsafeBytes(sink)
        try header.withUnsafeBytes(sink)
        for tensor in ordered { try tensor.bytes.withUnsafeBytes(sink) }
    }

    private static func elementCount(name: String, shape: [Int]) throws -> Int {
        guard shape.allSatisfy({ $0 >= 0 }) else {
            throw ModelFilesError.invalidTensor(file: errorName, tensor: name, reason: "negative dimension in shape \(shape)")
        }
        var count = 1
        for dimension in shape {
            let (product, overflow) = count.multipliedReportingOverflow(by: dimension)
            guard !overflow else {
                throw ModelFilesError.invalidTensor(file: errorName, tensor: name, reason: "element count of \(shape) overflows")
            }
            count = product
        }
        return count
    }
}
