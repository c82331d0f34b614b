/// Errors of the retrieval engine, naming the file, line or field that was wrong.
public enum RetrievalError: Error, CustomStringConvertible {
    case invalidInput(String)
    case badFile(path: String, line: Int?, reason: String)
    /// Serialized index bytes that cannot be read back; `offset` is where reading stopped.
    case corruptIndex(offset: Int, reason: String)

    public var description: String {
        switch self {
        case .invalidInput(let reason): return "invalid input: \(reason)"
        case .badFile(let path, let line, let reason):
            return line.map { "\(path):\($0): \(reason)" } ?? "\(path): \(reason)"
        case .corruptIndex(let offset, let reason): return "corrupt BM25 index at byte \(offset): \(reason)"
        }
    }
}
