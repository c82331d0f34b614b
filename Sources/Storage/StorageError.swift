import Foundation

/// Errors of the document store, naming the store's path.
public enum StorageError: Error, CustomStringConvertible {
    case cannotOpen(path: String, reason: String)
    /// A reader (search, ask, remove, eval) was given a path with no store; only ingestion creates one.
    case noStore(path: String)
    case database(path: String, reason: String)
    case corruptRow(path: String, reason: String)
    case mismatch(path: String, reason: String)
    /// A saved search index beside the store is unreadable (it is rebuilt).
    case corruptIndexFile(path: String, reason: String)
    /// A server data folder has no key file yet (`ragtune keys create` makes it).
    case noKeys(path: String)
    /// A tenant, group or collection name outside its rule.
    case invalidName(String, rule: String)

    public var description: String {
        switch self {
        case .cannotOpen(let path, let reason): return "\(path): cannot open the store: \(reason)"
        case .noStore(let path): return "no store at \(path) (create one with: ragtune index --store \(path) FILES...)"
        case .database(let path, let reason): return "\(path): \(reason)"
        case .corruptRow(let path, let reason): return "\(path): corrupt row: \(reason)"
        case .mismatch(let path, let reason): return "\(path): \(reason)"
        case .corruptIndexFile(let path, let reason): return "\(path): unusable index file: \(reason)"
        case .noKeys(let path):
            let store = path.contains("://") ? path : URL(fileURLWithPath: path).deletingLastPathComponent().path
            return "no API keys at \(path) (create one with: ragtune keys create --store \(store) --tenant NAME)"
        case .invalidName(let name, let rule): return "'\(name)' is not a valid name: \(rule)"
        }
    }
}
