import Foundation

/// A parsed JSON value, used to read JSONL lines whose fields vary between files (BEIR's `_id`
/// is a string in most files and a number in some) without untyped dictionaries.
public enum JSONValue: Decodable, Sendable, Equatable {
    case string(String)
    case integer(Int64)
    case number(Double)
    case bool(Bool)
    case null
    case array([JSONValue])
    case object([String: JSONValue])

    public init(from decoder: Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let value = try? container.decode(String.self) {
            self = .string(value)
        } else if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(Int64.self) {
            self = .integer(value)
        } else if let value = try? container.decode(Double.self) {
            self = .number(value)
        } else if let value = try? container.decode([JSONValue].self) {
            self = .array(value)
        } else {
            self = .object(try container.decode([String: JSONValue].self))
        }
    }

    /// Strings as they are, numbers as text (`123`, `1.5`); `nil` for anything else.
    public var scalarText: String? {
        switch self {
        case .string(let value): return value
        case .integer(let value): return String(value)
        case .number(let value): return "\(value)"
        default: return nil
        }
    }

    /// The JSON type's name, for error messages.
    public var typeName: String {
        switch self {
        case .string: return "a string"
        case .integer, .number: return "a number"
        case .bool: return "a boolean"
        case .null: return "null"
        case .array: return "an array"
        case .object: return "an object"
        }
    }

    /// Parses one JSONL line as an object.
    /// - Throws: `EvaluationError.badFile` naming `path` and `line` for invalid UTF-8 or JSON, or a non-object.
    static func object(line bytes: ArraySlice<UInt8>, path: String, line: Int) throws -> [String: JSONValue] {
        let value: JSONValue
        do { value = try JSONDecoder().decode(JSONValue.self, from: Data(bytes)) } catch {
            let reason = LineReader.string(bytes) == nil ? "not valid UTF-8" : "invalid JSON"
            throw EvaluationError.badFile(path: path, line: line, reason: reason)
        }
        guard case .object(let object) = value else {
            throw EvaluationError.badFile(path: path, line: line, reason: "expected a JSON object, found \(value.typeName)")
        }
        return object
    }

    /// The `_id` field as a string; numbers (`"_id": 12`) become their decimal text.
    /// - Throws: `EvaluationError.badFile` when `_id` is missing or not a string or number.
    static func identifier(in object: [String: JSONValue], key: String = "_id", path: String, line: Int) throws -> String {
        guard let value = object[key] else {
            throw EvaluationError.badFile(path: path, line: line, reason: "missing field \"\(key)\"")
        }
        guard let id = value.scalarText else {
            throw EvaluationError.badFile(path: path, line: line,
                                          reason: "field \"\(key)\" must be a string or a number, found \(value.typeName)")
        }
        return id
    }

    /// A required string field (`text`).
    static func string(_ key: String, in object: [String: JSONValue], path: String, line: Int) throws -> String {
        guard let value = object[key] else {
            throw EvaluationError.badFile(path: path, line: line, reason: "missing field \"\(key)\"")
        }
        guard case .string(let text) = value else {
            throw EvaluationError.badFile(path: path, line: line, reason: "field \"\(key)\" must be a string, found \(value.typeName)")
        }
        return text
    }
}
