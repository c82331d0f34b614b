import Foundation

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
