import Foundation

/// Errors of writing a command's output, naming where it went.
struct OutputError: Error, CustomStringConvertible {
    var path: String
    var reason: String

    var description: String { "cannot write to \(path): \(reason)" }

    /// The error for the C `errno` of a failed write.
    static func errno(_ path: String, _ code: Int32 = Foundation.errno) -> OutputError {
        OutputError(path: path, reason: String(cString: strerror(code)))
    }
}

/// glibc's `stdout` and `stderr` streams, the ones `print` writes to. Swift 6 refuses to read the
/// C globals directly (shared mutable state); they are set before `main` and never reassigned, so
/// they are read once through the dynamic linker.
enum CStream {
    nonisolated(unsafe) static let output = stream("stdout")
    nonisolated(unsafe) static let error = stream("stderr")

    private static func stream(_ symbol: String) -> UnsafeMutablePointer<FILE> {
        guard let address = dlsym(nil, symbol) else { fatalError("libc has no \(symbol)") }
        return address.assumingMemoryBound(to: UnsafeMutablePointer<FILE>.self).pointee
    }
}

/// stdout, with every write checked: a full disk, `/dev/full` or a closed descriptor is an error
/// naming standard output (and a non-zero exit), never output silently lost. `print` goes through
/// the same C `stdout`, so `RagTune.main` checks it once more when the command ends.
enum StandardOutput {
    static let name = "standard output"

    /// Writes `text` (buffered) and reports an error the moment the stream has one.
    static func write(_ text: String) throws {
        var text = text
        let written = text.withUTF8 { fwrite($0.baseAddress, 1, $0.count, CStream.output) }
        if written < text.utf8.count || ferror(CStream.output) != 0 { throw OutputError.errno(name) }
    }

    /// Writes `text` and a newline.
    static func line(_ text: String) throws { try write(text + "\n") }

    /// Pushes buffered output to the descriptor (streamed answers appear as they are generated).
    static func flush() throws {
        if fflush(CStream.output) != 0 || ferror(CStream.output) != 0 { throw OutputError.errno(name) }
    }
}

/// Prints `value` as one JSON object (keys sorted, so output is stable) on stdout.
func printJSON<T: Encodable>(_ value: T) throws {
    try StandardOutput.line(JSONText.encode(value))
}

/// Writes a progress or log line to stderr (unchecked: a log line that cannot be written is not
/// worth failing a command for).
func logError(_ message: String) {
    fputs(message + "\n", CStream.error)
}
