import Foundation
import RagTuneModelFiles

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
    func objects() throws -> [(line: Int, object: [String: Any])] {
        let data: Data
        if path == "-" {
            data = FileHandle.standardInput.readDataToEndOfFile()
        } else {
            do { data = try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
                throw InputError.unreadable(path: path, reason: "cannot read file (\(error.localizedDescription))")
            }
        }
        var result: [(Int, [String: Any])] = []
        var lineNumber = 0
        for rawLine in data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false) {
            lineNumber += 1
            let trimmed = rawLine.drop { $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }
            if trimmed.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }) { continue }
            guard String(data: Data(rawLine), encoding: .utf8) != nil else {
                throw InputError.badLine(path: path, line: lineNumber, reason: "not valid UTF-8")
            }
            let parsed: Any
            do { parsed = try JSONSerialization.jsonObject(with: Data(rawLine), options: [.fragmentsAllowed]) } catch {
                throw InputError.badLine(path: path, line: lineNumber, reason: "invalid JSON")
            }
            guard let object = parsed as? [String: Any] else {
                throw InputError.badLine(path: path, line: lineNumber, reason: "expected a JSON object")
            }
            result.append((lineNumber, object))
        }
        return result
    }

    /// The `text` field of every line; an error names the line that lacks a string `text`.
    func texts() throws -> [String] {
        try objects().map { line, object in
            guard let text = object["text"] as? String else {
                throw InputError.badLine(path: path, line: line,
                                         reason: object["text"] == nil ? "missing field \"text\"" : "field \"text\" must be a string")
            }
            return text
        }
    }
}

/// Minimal JSON writing with exact float formatting (shortest round-trip form, as Swift prints).
enum JSONText {
    /// A JSON string literal, quoted and escaped.
    static func string(_ s: String) -> String { JSONLiteral.string(s) }

    static func floats(_ values: [Float]) -> String {
        "[" + values.map { $0.isFinite ? "\($0)" : "null" }.joined(separator: ", ") + "]"
    }

    static func ints(_ values: [Int]) -> String {
        "[" + values.map(String.init).joined(separator: ", ") + "]"
    }

    /// Serializes a JSON-compatible value (dictionaries get sorted keys) for `--json` summaries.
    static func object(_ value: Any) -> String {
        guard let data = try? JSONSerialization.data(withJSONObject: value, options: [.sortedKeys, .fragmentsAllowed, .withoutEscapingSlashes]) else {
            return "null"
        }
        return String(decoding: data, as: UTF8.self)
    }
}

/// Output that goes to a file or stdout, and logs that always go to stderr.
struct OutputSink {
    private let handle: FileHandle

    init(path: String?) throws {
        if let path, path != "-" {
            guard FileManager.default.createFile(atPath: path, contents: nil) else {
                throw InputError.unreadable(path: path, reason: "cannot create output file")
            }
            handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        } else {
            handle = FileHandle.standardOutput
        }
    }

    func line(_ text: String) {
        handle.write(Data((text + "\n").utf8))
    }
}

/// Writes a progress or log line to stderr.
func logError(_ message: String) {
    FileHandle.standardError.write(Data((message + "\n").utf8))
}
