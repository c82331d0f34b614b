import Foundation

/// PDF text via Debian's `pdftotext` (package poppler-utils), run as
/// `/usr/bin/env pdftotext -enc UTF-8 -layout FILE -`.
extension DocumentLoader {
    /// - Returns: the text with form feeds (page breaks) turned into blank lines.
    /// - Throws: `RetrievalError.missingTool` when `pdftotext` is not installed;
    ///   `RetrievalError.badFile` "pdftotext failed: …" with its exit status and stderr otherwise.
    static func pdfText(path: String) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["pdftotext", "-enc", "UTF-8", "-layout", path, "-"]
        let output = Pipe(), errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        process.standardInput = FileHandle.nullDevice
        do { try process.run() } catch {
            throw RetrievalError.missingTool(path: path, tool: "pdftotext", package: "poppler-utils")
        }
        // stderr is drained on another thread so a chatty converter cannot block on a full pipe.
        let stderrBox = DataBox()
        let group = DispatchGroup()
        group.enter()
        DispatchQueue.global().async {
            stderrBox.data = errors.fileHandleForReading.readDataToEndOfFile()
            group.leave()
        }
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        group.wait()
        let status = process.terminationStatus
        if status == 127 {   // `env` could not find the program
            throw RetrievalError.missingTool(path: path, tool: "pdftotext", package: "poppler-utils")
        }
        guard status == 0 else {
            let message = String(decoding: stderrBox.data, as: UTF8.self)
                .trimmingCharacters(in: .whitespacesAndNewlines)
            throw RetrievalError.badFile(path: path, line: nil,
                                         reason: "pdftotext failed: exit \(status)\(message.isEmpty ? "" : ": \(message)")")
        }
        return normalizeNewlines(String(decoding: data, as: UTF8.self))
            .replacingOccurrences(of: "\u{0C}", with: "\n\n")
    }
}

/// Holds the stderr bytes written by one reader thread and read after `DispatchGroup.wait()`,
/// which orders the write before the read; hence `@unchecked Sendable` is safe here.
private final class DataBox: @unchecked Sendable {
    var data = Data()
}
