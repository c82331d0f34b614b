/// Errors of evaluation inputs (corpus, queries, qrels, runs) and arguments, naming the file and line.
public enum EvaluationError: Error, CustomStringConvertible {
    /// A file that cannot be read, or a line of it that is malformed (`line` is 1-based).
    case badFile(path: String, line: Int?, reason: String)
    /// An argument out of range or inconsistent with another one (cutoffs, resample counts, ids).
    case invalidArgument(String)

    public var description: String {
        switch self {
        case .badFile(let path, let line, let reason):
            return line.map { "\(path):\($0): \(reason)" } ?? "\(path): \(reason)"
        case .invalidArgument(let reason):
            return "invalid argument: \(reason)"
        }
    }
}
