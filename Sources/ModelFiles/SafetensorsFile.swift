import Foundation
import RagTuneTensor

/// A safetensors file (Hugging Face), memory-mapped and validated on open.
///
/// Layout: u64 little-endian header length `n`; `n` bytes of JSON mapping each tensor name to
/// `{"dtype", "shape", "data_offsets": [begin, end]}` (offsets relative to the data section
/// that follows the header), plus an optional `"__metadata__"` string-to-string map.
/// Checks: header length ≤ 100 MB and inside the file, valid JSON object, known dtypes,
/// non-negative dims, `end ≥ begin`, ranges inside the data section and not overlapping,
/// and `end - begin == product(shape) · dtype size` (overflow-checked).
public struct SafetensorsFile: MappedModelFile {
    /// Largest accepted JSON header (the reference implementation's limit).
    public static let maxHeaderLength = 100_000_000

    /// Path (or given name) of the file, as used in errors.
    public var name: String { file.name }
    /// The `__metadata__` map (empty when absent).
    public let metadata: [String: String]
    /// All tensor names, sorted.
    public let tensorNames: [String]
    /// Absolute offset of the data section (8 + header length).
    public let dataOffset: Int
    private let infos: [String: SafetensorsTensorInfo]
    private let file: MappedFile

    /// Parses an already mapped file.
    public init(file: MappedFile) throws {
        self.file = file
        let name = file.name
        let headerLength = try file.withUnsafeBytes(in: 0..<8, what: "header length") {
            UInt64(littleEndian: $0.loadUnaligned(as: UInt64.self))
        }
        guard headerLength <= UInt64(Self.maxHeaderLength) else {
            throw ModelFilesError.invalidHeader(file: name, reason:
                "header length \(headerLength) exceeds the \(Self.maxHeaderLength)-byte limit")
        }
        let json = try file.withUnsafeBytes(in: 8..<(8 + Int(headerLength)), what: "JSON header") { Data($0) }
        guard json.first == UInt8(ascii: "{") else {
            throw ModelFilesError.invalidHeader(file: name, reason: "JSON header does not start with '{'")
        }
        let header: SafetensorsHeader
        do {
            header = try JSONDecoder().decode(SafetensorsHeader.self, from: json)
        } catch let error as ModelFilesError {
            throw error
        } catch {
            throw ModelFilesError.invalidHeader(file: name, reason: SafetensorsHeader.describe(error))
        }
        dataOffset = 8 + Int(headerLength)
        metadata = header.metadata
        var infos: [String: SafetensorsTensorInfo] = [:]
        for (tensor, entry) in header.tensors {
            let info = try Self.validate(entry, tensor: tensor, dataOffset: dataOffset, size: file.count, file: name)
            guard infos.updateValue(info, forKey: tensor) == nil else {
                throw ModelFilesError.duplicateTensor(file: name, name: tensor)
            }
        }
        let byStart = infos.values.filter { !$0.byteRange.isEmpty }.sorted { $0.byteRange.lowerBound < $1.byteRange.lowerBound }
        for (previous, next) in zip(byStart, byStart.dropFirst()) where next.byteRange.overlaps(previous.byteRange) {
            throw ModelFilesError.invalidTensor(file: name, tensor: next.name, reason:
                "data_offsets [\(next.byteRange.lowerBound - dataOffset), \(next.byteRange.upperBound - dataOffset)] "
                + "overlap tensor '\(previous.name)' [\(previous.byteRange.lowerBound - dataOffset), "
                + "\(previous.byteRange.upperBound - dataOffset)]")
        }
        self.infos = infos
        tensorNames = infos.keys.sorted()
    }

    /// Shape, dtype and byte range of the tensor `name`, or nil.
    public func info(_ name: String) -> SafetensorsTensorInfo? {
        infos[name]
    }

    /// The tensor `name`, or `ModelFilesError.tensorNotFound`.
    public func requireInfo(_ name: String) throws -> SafetensorsTensorInfo {
        guard let info = infos[name] else { throw ModelFilesError.tensorNotFound(file: self.name, name: name) }
        return info
    }

    /// Read access to a tensor's raw bytes (any alignment).
    public func withTensorBytes<R>(_ name: String, _ body: (UnsafeRawBufferPointer) throws -> R) throws -> R {
        let info = try requireInfo(name)
        return try file.withUnsafeBytes(in: info.byteRange, what: "tensor '\(name)' data", body)
    }

    /// The elements of an F32, F16 or BF16 tensor as Float32, row-major.
    /// - Throws: `ModelFilesError.unsupportedDType` naming the tensor for other dtypes.
    public func floats(_ name: String) throws -> [Float] {
        let info = try requireInfo(name)
        guard let type = info.dtype.quantType else {
            throw ModelFilesError.unsupportedDType(file: self.name, tensor: name, dtype: info.dtype.rawValue)
        }
        return try withTensorBytes(name) { bytes in
            guard info.elementCount > 0, let base = bytes.baseAddress else { return [] }
            return [Float](unsafeUninitializedCapacity: info.elementCount) { buffer, initialized in
                Quantization.dequantize(type: type, from: base, count: info.elementCount, into: buffer.baseAddress!)
                initialized = info.elementCount
            }
        }
    }

    /// The tensor as a `Tensor` of shape `info.shape`.
    public func tensor(_ name: String) throws -> Tensor {
        let info = try requireInfo(name)
        return Tensor(shape: info.shape, values: try floats(name))
    }

    private static func validate(
        _ entry: SafetensorsHeader.Entry, tensor: String, dataOffset: Int, size: Int, file: String
    ) throws -> SafetensorsTensorInfo {
        guard let dtype = SafetensorsDType(rawValue: entry.dtype) else {
            throw ModelFilesError.unsupportedDType(file: file, tensor: tensor, dtype: entry.dtype)
        }
        guard entry.shape.allSatisfy({ $0 >= 0 }) else {
            throw ModelFilesError.invalidTensor(file: file, tensor: tensor, reason: "negative dimension in shape \(entry.shape)")
        }
        var count = 1, overflow = false
        for dimension in entry.shape where !overflow {
            (count, overflow) = count.multipliedReportingOverflow(by: dimension)
        }
        let (byteCount, bytesOverflow) = count.multipliedReportingOverflow(by: dtype.byteSize)
        guard !overflow, !bytesOverflow else {
            throw ModelFilesError.invalidTensor(file: file, tensor: tensor, reason: "byte size of shape \(entry.shape) overflows")
        }
        let offsets = entry.dataOffsets
        guard offsets.count == 2, offsets[0] >= 0, offsets[1] >= offsets[0] else {
            throw ModelFilesError.invalidTensor(file: file, tensor: tensor,
                                                reason: "data_offsets \(offsets) must be [begin, end] with 0 ≤ begin ≤ end")
        }
        guard offsets[1] - offsets[0] == byteCount else {
            throw ModelFilesError.invalidTensor(file: file, tensor: tensor, reason: "data_offsets \(offsets) span "
                + "\(offsets[1] - offsets[0]) bytes but shape \(entry.shape) of \(dtype) needs \(byteCount)")
        }
        guard offsets[1] <= size - dataOffset else {
            throw ModelFilesError.tensorOutOfBounds(file: file, tensor: tensor, offset: dataOffset + offsets[0],
                                                    byteCount: byteCount, size: size)
        }
        return SafetensorsTensorInfo(name: tensor, dtype: dtype, shape: entry.shape,
                                     byteRange: (dataOffset + offsets[0])..<(dataOffset + offsets[1]), elementCount: count)
    }
}

/// The JSON header: `__metadata__` plus one entry per tensor.
struct SafetensorsHeader: Decodable {
    struct Entry: Decodable {
        let dtype: String
        let shape: [Int]
        let dataOffsets: [Int]

        enum CodingKeys: String, CodingKey {
            case dtype, shape
            case dataOffsets = "data_offsets"
        }
    }

    struct Key: CodingKey {
        let stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    static let metadataKey = "__metadata__"
    var metadata: [String: String] = [:]
    var tensors: [(String, Entry)] = []

    init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: Key.self)
        for key in container.allKeys {
            if key.stringValue == Self.metadataKey {
                metadata = try container.decode([String: String].self, forKey: key)
            } else {
                tensors.append((key.stringValue, try container.decode(Entry.self, forKey: key)))
            }
        }
    }

    /// A one-line description of a decoding error: where in the JSON and what.
    static func describe(_ error: Error) -> String {
        guard let error = error as? DecodingError else { return "invalid JSON: \(error)" }
        let context: DecodingError.Context
        switch error {
        case .dataCorrupted(let c), .typeMismatch(_, let c), .valueNotFound(_, let c), .keyNotFound(_, let c):
            context = c
        @unknown default:
            return "invalid JSON: \(error)"
        }
        let path = context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? "[\"\($0.stringValue)\"]" }.joined()
        let underlying = context.underlyingError.map { " (\($0))" } ?? ""
        return "invalid JSON at \(path.isEmpty ? "top level" : path): \(context.debugDescription)\(underlying)"
    }
}
