import Foundation
import RagTuneTensor

/// Builds a GGUF v3 file: metadata in insertion order, then tensors in insertion order, each
/// tensor's data aligned to `general.alignment` (default 32) and zero-padded, as llama.cpp's
/// `gguf_write_to_file` does. `GGUFFile` reads the result back unchanged.
public struct GGUFWriter: Sendable {
    /// One tensor to be written: raw bytes already in `type`'s layout.
    public struct PendingTensor: Sendable, Equatable {
        public let name: String
        /// GGUF order, ne0 first (`[in, out]` for a weight matrix).
        public let dimensions: [Int]
        public let type: QuantType
        public let bytes: [UInt8]
    }

    /// Name used in errors raised before a destination is known.
    static let errorName = "GGUFWriter"

    /// Metadata keys in the order they were first set.
    public private(set) var metadataKeys: [String] = []
    /// Metadata values by key.
    public private(set) var metadata: [String: GGUFValue] = [:]
    /// Tensors in insertion order.
    public private(set) var tensors: [PendingTensor] = []
    private var tensorNames = Set<String>()

    /// A writer with `alignment` bytes of data alignment; any value other than the default
    /// 32 is recorded as `general.alignment` (uint32).
    public init(alignment: Int = GGUFFile.defaultAlignment) {
        if alignment != GGUFFile.defaultAlignment {
            setMetadata("general.alignment", .uint32(UInt32(truncatingIfNeeded: alignment)))
        }
    }

    /// Sets `key` to `value`; a key set again keeps its first position.
    public mutating func setMetadata(_ key: String, _ value: GGUFValue) {
        if metadata.updateValue(value, forKey: key) == nil { metadataKeys.append(key) }
    }

    /// Adds a tensor from bytes already encoded as `type`.
    /// - Parameters:
    ///   - dimensions: GGUF order, ne0 first; at most 4; `dimensions[0]` a multiple of the block size.
    ///   - bytes: exactly `type.byteCount(elements: product(dimensions))` bytes.
    /// - Throws: `ModelFilesError.invalidTensor` / `.duplicateTensor` naming the tensor.
    public mutating func addTensor(name: String, dimensions: [Int], type: QuantType, bytes: [UInt8]) throws {
        let count = try Self.elementCount(name: name, dimensions: dimensions, type: type)
        guard let expected = type.byteCount(elements: count), expected == bytes.count else {
            throw ModelFilesError.invalidTensor(file: Self.errorName, tensor: name, reason:
                "\(bytes.count) bytes given; \(count) \(type) elements need \(type.byteCount(elements: count) ?? -1)")
        }
        guard tensorNames.insert(name).inserted else {
            throw ModelFilesError.duplicateTensor(file: Self.errorName, name: name)
        }
        tensors.append(PendingTensor(name: name, dimensions: dimensions, type: type, bytes: bytes))
    }

    /// Adds a tensor from Float32 values (ne0 fastest), quantized to `type` with ggml's
    /// reference quantizers.
    public mutating func addTensor(name: String, dimensions: [Int], type: QuantType, floats: [Float]) throws {
        let count = try Self.elementCount(name: name, dimensions: dimensions, type: type)
        guard floats.count == count else {
            throw ModelFilesError.invalidTensor(file: Self.errorName, tensor: name,
                                                reason: "\(floats.count) values given for dimensions \(dimensions)")
        }
        guard let bytes = Quantization.quantize(type: type, floats) else {
            throw ModelFilesError.invalidTensor(file: Self.errorName, tensor: name,
                                                reason: "\(count) values are not whole \(type) blocks")
        }
        try addTensor(name: name, dimensions: dimensions, type: type, bytes: bytes)
    }

    /// The whole file in memory.
    public func serialized() throws -> [UInt8] {
        var out: [UInt8] = []
        try write(file: Self.errorName) { out.append(contentsOf: $0) }
        return out
    }

    /// Writes the file to `url` atomically (temporary file + rename).
    public func write(to url: URL) throws {
        try AtomicFileWriter.write(to: url) { sink in try write(file: url.path, sink) }
    }

    /// Streams the file: header (with padding), then each tensor's bytes and padding.
    private func write(file: String, _ sink: (UnsafeRawBufferPointer) throws -> Void) throws {
        let alignment = try self.alignment(file: file)
        var header: [UInt8] = []
        header.append(contentsOf: GGUFHeader.magic)
        header.appendLittleEndian(UInt32(3))
        header.appendLittleEndian(UInt64(tensors.count))
        header.appendLittleEndian(UInt64(metadataKeys.count))
        for key in metadataKeys {
            let value = metadata[key]!
            header.appendGGUFString(key)
            header.appendLittleEndian(value.type.rawValue)
            try Self.append(value, to: &header, key: key, file: file)
        }
        var offset = 0
        for tensor in tensors {
            header.appendGGUFString(tensor.name)
            header.appendLittleEndian(UInt32(tensor.dimensions.count))
            for dimension in tensor.dimensions { header.appendLittleEndian(UInt64(dimension)) }
            header.appendLittleEndian(tensor.type.rawValue)
            header.appendLittleEndian(UInt64(offset))
            offset += (tensor.bytes.count + alignment - 1) / alignment * alignment
        }
        header.pad(to: alignment)
        try header.withUnsafeBytes(sink)
        let zeros = [UInt8](repeating: 0, count: alignment)
        for tensor in tensors {
            try tensor.bytes.withUnsafeBytes(sink)
            let padding = (alignment - tensor.bytes.count % alignment) % alignment
            try zeros.withUnsafeBytes { try sink(UnsafeRawBufferPointer(rebasing: $0[0..<padding])) }
        }
    }

    private func alignment(file: String) throws -> Int {
        guard let value = metadata["general.alignment"] else { return GGUFFile.defaultAlignment }
        guard let alignment = value.intValue, alignment > 0, alignment & (alignment - 1) == 0 else {
            throw ModelFilesError.invalidMetadata(file: file, key: "general.alignment",
                                                  reason: "must be a nonzero power of two, got \(value)")
        }
        return alignment
    }

    private static func elementCount(name: String, dimensions: [Int], type: QuantType) throws -> Int {
        guard dimensions.count <= GGUFFile.maxDimensions, dimensions.allSatisfy({ $0 >= 0 }) else {
            throw ModelFilesError.invalidTensor(file: errorName, tensor: name, reason:
                "dimensions \(dimensions) must be 0 to \(GGUFFile.maxDimensions) non-negative sizes")
        }
        var count = 1
        for dimension in dimensions {
            let (product, overflow) = count.multipliedReportingOverflow(by: dimension)
            guard !overflow else {
                throw ModelFilesError.invalidTensor(file: errorName, tensor: name,
                                                    reason: "element count of dimensions \(dimensions) overflows")
            }
            count = product
        }
        guard (dimensions.first ?? 1) % type.blockSize == 0 else {
            throw ModelFilesError.invalidTensor(file: errorName, tensor: name, reason: "row length "
                + "\(dimensions.first ?? 1) is not a multiple of the \(type) block size \(type.blockSize)")
        }
        return count
    }

    /// The value's payload (the type id is written by the caller). Arrays must be homogeneous;
    /// an empty array is written with element type uint8.
    private static func append(_ value: GGUFValue, to out: inout [UInt8], key: String, file: String) throws {
        switch value {
        case .uint8(let v): out.appendLittleEndian(v)
        case .int8(let v): out.appendLittleEndian(v)
        case .uint16(let v): out.appendLittleEndian(v)
        case .int16(let v): out.appendLittleEndian(v)
        case .uint32(let v): out.appendLittleEndian(v)
        case .int32(let v): out.appendLittleEndian(v)
        case .uint64(let v): out.appendLittleEndian(v)
        case .int64(let v): out.appendLittleEndian(v)
        case .float32(let v): out.appendLittleEndian(v.bitPattern)
        case .float64(let v): out.appendLittleEndian(v.bitPattern)
        case .bool(let v): out.append(v ? 1 : 0)
        case .string(let v): out.appendGGUFString(v)
        case .array(let elements):
            let elementType = elements.first?.type ?? .uint8
            guard elements.allSatisfy({ $0.type == elementType }) else {
                throw ModelFilesError.invalidMetadata(file: file, key: key,
                                                      reason: "array elements must all have one type (first is \(elementType))")
            }
            out.appendLittleEndian(elementType.rawValue)
            out.appendLittleEndian(UInt64(elements.count))
            for element in elements { try append(element, to: &out, key: key, file: file) }
        }
    }
}
