import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The read-only bytes of a whole file, memory-mapped (`mmap(PROT_READ, MAP_PRIVATE)`), or a
/// private copy of in-memory bytes (for tests and for files that arrive over the network).
///
/// Why `@unchecked Sendable` is safe: the mapping is created in `init`, never written
/// (PROT_READ) and unmapped only in `deinit`, when no reference remains; `name`, `count` and
/// the base address are immutable. Readers get the bytes only inside `withUnsafeBytes`
/// closures, so no pointer outlives the object. (As with any mmap, another process
/// truncating the file while it is mapped makes later reads fault; model files are not
/// rewritten in place, and our writers replace files by rename.)
public final class MappedFile: @unchecked Sendable {
    /// The path (or caller-given name) used in error messages.
    public let name: String
    /// Size in bytes.
    public let count: Int
    private let base: UnsafeRawPointer?
    private let isMapped: Bool

    /// Maps the file at `url` read-only.
    /// - Throws: `ModelFilesError.cannotOpen` naming the path and the OS error.
    public init(url: URL) throws {
        let path = url.path
        name = path
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw ModelFilesError.cannotOpen(file: path, reason: Self.osError()) }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw ModelFilesError.cannotOpen(file: path, reason: Self.osError()) }
        guard info.st_mode & S_IFMT == S_IFREG else {
            throw ModelFilesError.cannotOpen(file: path, reason: "not a regular file")
        }
        count = Int(info.st_size)
        isMapped = true
        guard count > 0 else {  // mmap rejects empty mappings; an empty file has no bytes to view
            base = nil
            return
        }
        let address = mmap(nil, count, PROT_READ, MAP_PRIVATE, fd, 0)
        guard let address, address != MAP_FAILED else {
            throw ModelFilesError.cannotOpen(file: path, reason: "mmap of \(count) bytes failed: \(Self.osError())")
        }
        base = UnsafeRawPointer(address)
    }

    /// A private copy of `bytes`, reported as `name` in errors.
    public init(bytes: [UInt8], name: String) {
        self.name = name
        count = bytes.count
        isMapped = false
        guard !bytes.isEmpty else {
            base = nil
            return
        }
        let copy = UnsafeMutableRawPointer.allocate(byteCount: bytes.count, alignment: 64)
        bytes.withUnsafeBytes { copy.copyMemory(from: $0.baseAddress!, byteCount: $0.count) }
        base = UnsafeRawPointer(copy)
    }

    deinit {
        guard let base else { return }
        if isMapped {
            munmap(UnsafeMutableRawPointer(mutating: base), count)
        } else {
            base.deallocate()
        }
    }

    /// Lets the OS drop the mapped pages inside `range` from memory (`madvise(MADV_DONTNEED)` on
    /// the whole pages it covers); the bytes stay readable and are read from the file again on the
    /// next access. For data copied elsewhere, such as weights repacked at load. No effect on a
    /// private copy.
    public func release(_ range: Range<Int>) {
        guard isMapped, let base, range.lowerBound >= 0, range.upperBound <= count else { return }
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        let start = (range.lowerBound + page - 1) / page * page, end = range.upperBound / page * page
        guard start < end else { return }
        _ = madvise(UnsafeMutableRawPointer(mutating: base + start), end - start, Int32(MADV_DONTNEED))
    }

    /// Read access to all `count` bytes (any alignment; empty for an empty file).
    public func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try body(UnsafeRawBufferPointer(start: base, count: count))
    }

    /// Read access to the bytes in `range`, checked against the file size.
    /// - Parameter what: what the range holds, for the error message.
    /// - Throws: `ModelFilesError.truncated` when `range` is not inside the file.
    public func withUnsafeBytes<R>(
        in range: Range<Int>, what: String = "data", _ body: (UnsafeRawBufferPointer) throws -> R
    ) throws -> R {
        guard range.lowerBound >= 0, range.upperBound <= count else {
            throw ModelFilesError.truncated(file: name, what: what, offset: range.lowerBound,
                                            needed: range.count, size: count)
        }
        return try withUnsafeBytes { try body(UnsafeRawBufferPointer(rebasing: $0[range])) }
    }

    static func osError() -> String {
        String(cString: strerror(errno))
    }
}
