import Foundation
import RagTuneEvaluation

/// Errors of reading a user's JSONL input, naming the file and line.
enum InputError: Error, CustomStringConvertible {
    case unreadable(path: String, reason: String)
    case badLine(path: String, line: Int, reason: String)

    var description: String {
        switch self {
        case .unreadable(let path, let reason): return "\(path): \(reason)"
        case .badLine(let path, let line, let reason): return "\(path):\(line): \(reason)"
        }
    }
}

/// Reads JSONL (one JSON object a line; blank lines skipped) from a file, or stdin for `-`.
struct JSONLines {
    let path: String

    /// All lines as (1-based line number, object).
    func objects() throws -> [(line: Int, object: [String: JSONValue])] {
        let data = try InputFile.read(path)
        var result: [(Int, [String: JSONValue])] = []
        var lineNumber = 0
        for rawLine in data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false) {
            lineNumber += 1
            let trimmed = rawLine.drop { $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }
            if trimmed.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }) { continue }
            guard String(data: Data(rawLine), encoding: .utf8) != nil else {
                throw InputError.badLine(path: path, line: lineNumber, reason: "not valid UTF-8")
            }
            let parsed: JSONValue
            do { parsed = try JSONDecoder().decode(JSONValue.self, from: Data(rawLine)) } catch {
                throw InputError.badLine(path: path, line: lineNumber, reason: "invalid JSON")
            }
            guard case .object(let object) = parsed else {
                throw InputError.badLine(path: path, line: lineNumber, reason: "expected a JSON object")
            }
            result.append((lineNumber, object))
        }
        return result
    }

    /// The `text` field of every line; an error names the line that lacks a string `text`.
    func texts() throws -> [String] {
        try objects().map { line, object in
            guard case .string(let text) = object["text"] else {
                throw InputError.badLine(path: path, line: line,
                                         reason: object["text"] == nil ? "missing field \"text\"" : "field \"text\" must be a string")
            }
            return text
        }
    }
}
