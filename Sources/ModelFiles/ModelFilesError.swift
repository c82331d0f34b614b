import RagTuneTensor

/// Everything that can go wrong reading or writing a model file. Every case names the file
/// (its path, or the name given to an in-memory reader; writers use their type name until a
/// destination is known) and the field or value at fault.
public enum ModelFilesError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The file could not be opened, inspected or mapped (`reason` is the OS error).
    case cannotOpen(file: String, reason: String)
    /// Reading `needed` bytes of `what` at byte `offset` would run past the end of the file.
    case truncated(file: String, what: String, offset: Int, needed: Int, size: Int)
    /// The file does not start with the format's magic bytes.
    case badMagic(file: String, expected: String, found: [UInt8])
    /// A format version this reader does not handle.
    case unsupportedVersion(file: String, version: UInt32, reason: String)
    /// A structural field of the header is invalid (counts, alignment, JSON, lengths).
    case invalidHeader(file: String, reason: String)
    /// A metadata entry is malformed (bad type id, bad bool byte, nesting too deep, ...).
    case invalidMetadata(file: String, key: String, reason: String)
    /// The same metadata key appears twice.
    case duplicateKey(file: String, key: String)
    /// The same tensor name appears twice.
    case duplicateTensor(file: String, name: String)
    /// A tensor description is inconsistent (dimensions, byte counts, overlap, alignment, ...).
    case invalidTensor(file: String, tensor: String, reason: String)
    /// A tensor's data `[offset, offset + byteCount)` lies outside the file of `size` bytes.
    case tensorOutOfBounds(file: String, tensor: String, offset: Int, byteCount: Int, size: Int)
    /// A GGUF tensor has a ggml type id this library cannot decode.
    case unknownTensorType(file: String, tensor: String, typeID: UInt32)
    /// A safetensors dtype that is unknown, or not convertible to Float32.
    case unsupportedDType(file: String, tensor: String, dtype: String)
    /// No tensor of that name.
    case tensorNotFound(file: String, name: String)
    /// A required metadata key is absent.
    case missingKey(file: String, key: String)
    /// A metadata key holds a value of another type (or out of range).
    case wrongType(file: String, key: String, expected: String, found: String)
    /// Writing the file failed, or the data given to a writer is invalid.
    case writeFailed(file: String, reason: String)

    /// The file (path or name) the error is about.
    public var file: String {
        switch self {
        case .cannotOpen(let file, _), .truncated(let file, _, _, _, _), .badMagic(let file, _, _),
             .unsupportedVersion(let file, _, _), .invalidHeader(let file, _), .invalidMetadata(let file, _, _),
             .duplicateKey(let file, _), .duplicateTensor(let file, _), .invalidTensor(let file, _, _),
             .tensorOutOfBounds(let file, _, _, _, _), .unknownTensorType(let file, _, _),
             .unsupportedDType(let file, _, _), .tensorNotFound(let file, _), .missingKey(let file, _),
             .wrongType(let file, _, _, _), .writeFailed(let file, _):
            return file
        }
    }

    public var description: String {
        switch self {
        case .cannotOpen(let file, let reason):
            return "\(file): cannot open: \(reason)"
        case .truncated(let file, let what, let offset, let needed, let size):
            return "\(file): \(what) [offset \(offset), \(needed) bytes] runs past end of file (size \(size))"
        case .badMagic(let file, let expected, let found):
            let hex = found.map { String($0, radix: 16).leftPadded(to: 2) }.joined(separator: " ")
            return "\(file): not a \(expected) file (starts with bytes [\(hex)])"
        case .unsupportedVersion(let file, let version, let reason):
            return "\(file): unsupported version \(version): \(reason)"
        case .invalidHeader(let file, let reason):
            return "\(file): invalid header: \(reason)"
        case .invalidMetadata(let file, let key, let reason):
            return "\(file): metadata '\(key)': \(reason)"
        case .duplicateKey(let file, let key):
            return "\(file): duplicate metadata key '\(key)'"
        case .duplicateTensor(let file, let name):
            return "\(file): duplicate tensor name '\(name)'"
        case .invalidTensor(let file, let tensor, let reason):
            return "\(file): tensor '\(tensor)': \(reason)"
        case .tensorOutOfBounds(let file, let tensor, let offset, let byteCount, let size):
            return "\(file): tensor '\(tensor)' data [offset \(offset), \(byteCount) bytes] runs past end of file (size \(size))"
        case .unknownTensorType(let file, let tensor, let typeID):
            return "\(file): tensor '\(tensor)' has unsupported ggml type id \(typeID) "
                + "(supported: \(QuantTypeNames.supported))"
        case .unsupportedDType(let file, let tensor, let dtype):
            return "\(file): tensor '\(tensor)' has unsupported dtype '\(dtype)'"
        case .tensorNotFound(let file, let name):
            return "\(file): no tensor named '\(name)'"
        case .missingKey(let file, let key):
            return "\(file): missing metadata key '\(key)'"
        case .wrongType(let file, let key, let expected, let found):
            return "\(file): metadata '\(key)' should be \(expected) but is \(found)"
        case .writeFailed(let file, let reason):
            return "\(file): write failed: \(reason)"
        }
    }
}

/// Names of the ggml types this library decodes, for error messages.
enum QuantTypeNames {
    static let supported = QuantType.allCases.map { "\($0)=\($0.rawValue)" }.joined(separator: ", ")
}

extension String {
    func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
