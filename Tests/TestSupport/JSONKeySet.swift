import Foundation

/// The keys of a JSON object and of the objects nested in it, read without `[String: Any]`:
/// tests pin the key names a command's `--json` output or a written file must keep.
public struct JSONKeySet: Decodable, Equatable {
    /// The object's own keys.
    public let keys: Set<String>
    /// Each key's value when it is an object, or an array of objects (its first element).
    public let nested: [String: JSONKeySet]

    struct Key: CodingKey {
        let stringValue: String
        init(stringValue: String) { self.stringValue = stringValue }
        var intValue: Int? { nil }
        init?(intValue: Int) { nil }
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: Key.self)
        keys = Set(container.allKeys.map(\.stringValue))
        var nested: [String: JSONKeySet] = [:]
        for key in container.allKeys {
            if let object = try? container.decode(JSONKeySet.self, forKey: key) {
                nested[key.stringValue] = object
            } else if let list = try? container.decode([JSONKeySet].self, forKey: key), let first = list.first {
                nested[key.stringValue] = first
            }
        }
        self.nested = nested
    }

    /// The key set of one JSON object.
    public static func of(_ data: Data) throws -> JSONKeySet {
        try JSONDecoder().decode(JSONKeySet.self, from: data)
    }

    /// The key set of `value` as `JSONEncoder` writes it.
    public static func of<T: Encodable>(encoding value: T) throws -> JSONKeySet {
        try of(JSONEncoder().encode(value))
    }
}
