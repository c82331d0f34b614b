import Foundation

/// A model file format parsed from a `MappedFile` (GGUF, safetensors). Conforming types
/// implement `init(file:)`; opening by URL or from bytes in memory comes with the protocol.
public protocol MappedModelFile: Sendable {
    /// Parses and validates an already mapped file.
    init(file: MappedFile) throws
}

extension MappedModelFile {
    /// Maps and validates the file at `url`.
    public init(url: URL) throws {
        try self.init(file: MappedFile(url: url))
    }

    /// Parses bytes held in memory; `name` appears in errors.
    public init(bytes: [UInt8], name: String) throws {
        try self.init(file: MappedFile(bytes: bytes, name: name))
    }
}
