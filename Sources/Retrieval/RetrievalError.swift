/// Errors of the retrieval engine, naming the file, line or field that was wrong.
public enum RetrievalError: Error, CustomStringConvertible {
    case invalidInput(String)
    case badFile(path: String, line: Int?, reason: String)

    public var description: String {
        switch self {
        case .invalidInput(let reason): return "invalid input: \(reason)"
        case .badFile(let path, let line, let reason):
            return line.map { "\(path):\($0): \(reason)" } ?? "\(path): \(reason)"
        }
    }
}
