import Foundation
import RagTuneTensor

/// Reads a text file line by line in fixed-size chunks through `FileHandle`, so multi-gigabyte
/// BEIR corpora and run files never sit in memory whole.
///
/// Lines end at `\n`; a trailing `\r` is dropped (CRLF files), and so is a UTF-8 byte-order mark
/// at the start of the file. Lines are handed out as raw UTF-8 bytes with their 1-based line
/// number; the last line need not end with `\n`.
struct LineReader {
    let url: URL
    /// Bytes read per `FileHandle` call (1 MiB by default; tests use tiny chunks to cross boundaries).
    let chunkSize: Int

    init(url: URL, chunkSize: Int = 1 << 20) {
        self.url = url
        self.chunkSize = max(1, chunkSize)
    }

    /// Calls `body` with every line (without its terminator) and its 1-based number.
    /// - Throws: `EvaluationError.badFile` when the file cannot be opened or read; whatever `body` throws.
    func forEachLine(_ body: (_ line: ArraySlice<UInt8>, _ number: Int) throws -> Void) throws {
        if let problem = FileCheck.problemReading(url.path) {
            throw EvaluationError.badFile(path: url.path, line: nil, reason: problem)
        }
        let handle: FileHandle
        do { handle = try FileHandle(forReadingFrom: url) } catch {
            throw EvaluationError.badFile(path: url.path, line: nil, reason: "cannot open (\(error.localizedDescription))")
        }
        defer { try? handle.close() }
        var pending: [UInt8] = []   // bytes of the line started in an earlier chunk
        var number = 0
        func emit(_ line: ArraySlice<UInt8>) throws {
            number += 1
            var bytes = line.last == UInt8(ascii: "\r") ? line.dropLast() : line
            if number == 1, bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes = bytes.dropFirst(3) }
            try body(bytes, number)
        }
        while true {
            let chunk: Data
            do { chunk = try handle.read(upToCount: chunkSize) ?? Data() } catch {
                throw EvaluationError.badFile(path: url.path, line: number + 1, reason: "read failed (\(error.localizedDescription))")
            }
            if chunk.isEmpty { break }
            let bytes = [UInt8](chunk)
            var start = 0
            while let newline = bytes[start...].firstIndex(of: UInt8(ascii: "\n")) {
                if pending.isEmpty {
                    try emit(bytes[start..<newline])
                } else {
                    pending.append(contentsOf: bytes[start..<newline])
                    try emit(pending[...])
                    pending.removeAll(keepingCapacity: true)
                }
                start = newline + 1
            }
            pending.append(contentsOf: bytes[start...])
        }
        if !pending.isEmpty { try emit(pending[...]) }
    }

    /// `true` for a line of only spaces, tabs and carriage returns.
    static func isBlank(_ line: ArraySlice<UInt8>) -> Bool {
        line.allSatisfy { $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }
    }

    /// The line as a `String`, or `nil` when it is not valid UTF-8.
    static func string(_ line: ArraySlice<UInt8>) -> String? {
        String(validating: line, as: UTF8.self)
    }
}
