import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes a file atomically: the bytes go to a hidden temporary file in the destination's
/// directory, which is flushed (`fsync`) and then renamed over the destination, so readers
/// see either the old file or the complete new one, never a partial write.
enum AtomicFileWriter {
    /// Calls `produce` with a sink that appends bytes to the temporary file, then renames it
    /// to `url`. On any error the temporary file is removed and the destination is untouched.
    static func write(to url: URL, _ produce: ((UnsafeRawBufferPointer) throws -> Void) throws -> Void) throws {
        let path = url.path
        let directory = url.deletingLastPathComponent().path
        let temporary = directory + "/." + url.lastPathComponent + ".tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            throw ModelFilesError.writeFailed(file: path, reason: "cannot create \(temporary): \(MappedFile.osError())")
        }
        var closed = false
        do {
            try produce { chunk in
                var offset = 0
                while offset < chunk.count {
                    let written = systemWrite(fd, chunk.baseAddress! + offset, chunk.count - offset)
                    if written < 0 {
                        if errno == EINTR { continue }
                        throw ModelFilesError.writeFailed(file: path, reason: "write: \(MappedFile.osError())")
                    }
                    offset += written
                }
            }
            guard fsync(fd) == 0 else {
                throw ModelFilesError.writeFailed(file: path, reason: "fsync: \(MappedFile.osError())")
            }
            closed = true
            guard close(fd) == 0 else {
                throw ModelFilesError.writeFailed(file: path, reason: "close: \(MappedFile.osError())")
            }
            guard rename(temporary, path) == 0 else {
                throw ModelFilesError.writeFailed(file: path, reason: "rename: \(MappedFile.osError())")
            }
        } catch {
            if !closed { close(fd) }
            unlink(temporary)
            throw error
        }
    }
}

/// `write(2)`, named apart from `AtomicFileWriter.write`.
private func systemWrite(_ fd: Int32, _ buffer: UnsafeRawPointer, _ count: Int) -> Int {
    #if canImport(Glibc)
    return Glibc.write(fd, buffer, count)
    #else
    return Darwin.write(fd, buffer, count)
    #endif
}
