/// Errors of the fine-tuning layer, each naming what was wrong and where.
public enum TrainingError: Error, CustomStringConvertible, Equatable {
    /// A shape or size that does not fit the model or the other operands.
    case shapeMismatch(String)
    /// A token id outside the vocabulary: where it was found (`tokens` / `targets`), its index and value.
    case tokenOutOfRange(field: String, index: Int, id: Int, vocabularySize: Int)
    /// A sequence (or batch) whose loss mask counts no position, so the mean loss is undefined.
    case noCountedTokens
    /// A hyper-parameter outside its valid range, named with its value.
    case invalidHyperparameter(name: String, value: String, reason: String)
    /// A training example that cannot be used: the file, its 1-based line, the field and why.
    case invalidExample(file: String, line: Int, field: String, reason: String)
    /// A fine-tuning job setting that is unknown, mistyped or out of range: the key and why.
    case invalidJob(key: String, reason: String)
    /// A file or checkpoint that cannot be read or written: its path and why.
    case fileError(path: String, reason: String)
    /// A loss, gradient or weight became NaN or infinite; nothing non-finite is ever applied or saved.
    case nonFinite(String)

    public var description: String {
        switch self {
        case .shapeMismatch(let what): return "shape mismatch: \(what)"
        case .tokenOutOfRange(let field, let index, let id, let vocabularySize):
            return "\(field)[\(index)] = \(id) is outside the vocabulary 0..<\(vocabularySize)"
        case .noCountedTokens: return "the loss mask counts no position: nothing to train on"
        case .invalidHyperparameter(let name, let value, let reason): return "\(name) = \(value): \(reason)"
        case .invalidExample(let file, let line, let field, let reason): return "\(file):\(line): \(field): \(reason)"
        case .invalidJob(let key, let reason): return "job setting \(key): \(reason)"
        case .fileError(let path, let reason): return "\(path): \(reason)"
        case .nonFinite(let what): return what
        }
    }
}
