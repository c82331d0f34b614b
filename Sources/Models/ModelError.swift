/// Errors of loading or running a model, naming the file and the field that was wrong.
public enum ModelError: Error, CustomStringConvertible {
    case unreadable(file: String, reason: String)
    case invalidConfig(file: String, reason: String)
    case missingTensor(file: String, name: String)
    case wrongShape(file: String, name: String, expected: [Int], actual: [Int])
    case invalidInput(String)
    /// A model or adapter named on the command line or in a job that is neither installed nor an
    /// existing path: what was given and what is missing.
    case notFound(path: String, reason: String)

    public var description: String {
        switch self {
        case .unreadable(let file, let reason): return "\(file): cannot read: \(reason)"
        case .invalidConfig(let file, let reason): return "\(file): invalid config: \(reason)"
        case .missingTensor(let file, let name): return "\(file): tensor '\(name)' is missing"
        case .wrongShape(let file, let name, let expected, let actual):
            return "\(file): tensor '\(name)' has shape \(actual), expected \(expected)"
        case .invalidInput(let reason): return "invalid input: \(reason)"
        case .notFound(let path, let reason): return "\(path): \(reason)"
        }
    }
}
