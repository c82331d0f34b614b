/// Why a benchmark could not run or measure, in plain words.
public enum BenchError: Error, CustomStringConvertible, Equatable {
    /// An input of the benchmark is unusable (a file, a size, a model limit).
    case invalidInput(String)
    /// A `ragtune` child process failed where the benchmark needs it to succeed.
    case childFailed(arguments: [String], status: Int32)
    /// A child process's output lacked what the benchmark reads from it.
    case unexpectedOutput(String)

    public var description: String {
        switch self {
        case .invalidInput(let reason): return reason
        case .childFailed(let arguments, let status):
            return "ragtune \(arguments.joined(separator: " ")) failed with status \(status)"
        case .unexpectedOutput(let reason): return reason
        }
    }
}
