import Foundation
import RagTuneTensor

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
