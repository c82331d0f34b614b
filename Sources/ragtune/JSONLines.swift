import Foundation
import RagTuneModelFiles
import RagTuneTensor

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

/// Reads a user's input file, or standard input for `-`, with errors that say what is wrong.
enum InputFile {
    /// The bytes of `path` (`-`: standard input until its end).
    /// - Throws: `InputError.unreadable` naming the path: no such file, a folder, no permission,
    ///   standard input closed, or a read error.
    static func read(_ path: String) throws -> Data {
        if path == "-" { return try readStandardInput() }
        if let problem = FileCheck.problemReading(path) { throw InputError.unreadable(path: path, reason: problem) }
        do { return try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
            throw InputError.unreadable(path: path, reason: "cannot read (\(error.localizedDescription))")
        }
    }

    /// Standard input until end of file, read with `read(2)` so a closed descriptor is an error
    /// instead of a crash.
    private static func readStandardInput() throws -> Data {
        var data = Data(), buffer = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let count = buffer.withUnsafeMutableBytes { Foundation.read(0, $0.baseAddress, $0.count) }
            if count == 0 { return data }
            if count < 0 {
                if errno == EINTR { continue }
                let reason = errno == EBADF ? "standard input is closed" : String(cString: strerror(errno))
                throw InputError.unreadable(path: "-", reason: reason + " (give --input FILE, or pipe JSONL in)")
            }
            data.append(contentsOf: buffer[..<count])
        }
    }
}

/// Reads JSONL (one JSON object a line; blank lines skipped) from a file, or stdin for `-`.
struct JSONLines {
    let path: String

    /// All lines as (1-based line number, object).
    func objects() throws -> [(line: Int, object: [String: Any])] {
        let data = try InputFile.read(path)
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

/// Output that goes to stdout or to a file. A regular file is written to a temporary file beside
/// it and renamed into place by `commit()`, so a failure (full disk, killed process) leaves the
/// old file or none, never a truncated one; a device or pipe (`/dev/stdout`, a FIFO) is written
/// directly. Every write is checked.
final class OutputSink {
    private let path: String?
    private let temporary: URL?
    private let handle: FileHandle?

    init(path: String?) throws {
        guard let path, path != "-" else {
            (self.path, temporary, handle) = (nil, nil, nil)
            return
        }
        let target = URL(fileURLWithPath: path)
        if let type = (try? FileManager.default.attributesOfItem(atPath: path))?[.type] as? FileAttributeType {
            if type == .typeDirectory { throw OutputError(path: path, reason: "it is a folder") }
            if type != .typeRegular {
                guard let direct = FileHandle(forWritingAtPath: path) else { throw OutputError.errno(path) }
                (self.path, self.temporary, handle) = (path, nil, direct)
                return
            }
        }
        let temporary = target.deletingLastPathComponent()
            .appendingPathComponent(".\(target.lastPathComponent).tmp-\(getpid())")
        guard FileManager.default.createFile(atPath: temporary.path, contents: nil) else {
            throw OutputError.errno(path)
        }
        self.path = path
        self.temporary = temporary
        handle = try FileHandle(forWritingTo: temporary)
    }

    deinit {
        try? handle?.close()
        if let temporary { try? FileManager.default.removeItem(at: temporary) }
    }

    func line(_ text: String) throws {
        guard let handle, let path else { return try StandardOutput.line(text) }
        do { try handle.write(contentsOf: Data((text + "\n").utf8)) } catch {
            throw OutputError(path: path, reason: Self.reason(error))
        }
    }

    /// Flushes the file to disk and moves it into place (stdout: flushes it).
    func commit() throws {
        guard let handle, let path else { return try StandardOutput.flush() }
        do {
            guard let temporary else { return try handle.close() }
            try handle.synchronize()
            try handle.close()
            if rename(temporary.path, path) != 0 { throw OutputError.errno(path) }
        } catch let error as OutputError {
            throw error
        } catch {
            throw OutputError(path: path, reason: Self.reason(error))
        }
    }

    private static func reason(_ error: Error) -> String {
        let code = (error as NSError).userInfo[NSUnderlyingErrorKey].map { ($0 as? NSError)?.code ?? 0 } ?? 0
        if code > 0 { return String(cString: strerror(Int32(code))) }
        return (error as NSError).localizedDescription
    }
}
