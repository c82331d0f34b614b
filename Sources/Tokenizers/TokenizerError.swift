/// Everything that can go wrong while loading a tokenizer. Each case names the file
/// (or `GGUF` for GGUF metadata) and the field at fault.
public enum TokenizerError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The file could not be read or parsed at all.
    case unreadable(file: String, reason: String)
    /// A required field is absent.
    case missingField(file: String, field: String)
    /// A field is present but its value is not usable.
    case invalidField(file: String, field: String, value: String, expected: String)
    /// A field names a variant this library does not implement.
    case unsupported(file: String, field: String, value: String)
    /// A token the tokenizer needs (e.g. `[CLS]`) is not in the vocabulary.
    case missingToken(file: String, field: String, token: String)

    /// `file: field …`, e.g. `tokenizer.json: model.vocab missing`.
    public var description: String {
        switch self {
        case .unreadable(let file, let reason):
            return "\(file): cannot read (\(reason))"
        case .missingField(let file, let field):
            return "\(file): \(field) missing"
        case .invalidField(let file, let field, let value, let expected):
            return "\(file): \(field) is \(value), expected \(expected)"
        case .unsupported(let file, let field, let value):
            return "\(file): \(field) = \(value) is not supported"
        case .missingToken(let file, let field, let token):
            return "\(file): \(field): token \(token) not in the vocabulary"
        }
    }
}
