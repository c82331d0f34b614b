/// A bounds-checked little-endian cursor over a file's bytes, used by the header parsers.
/// Every read checks the remaining length first and throws `ModelFilesError.truncated`
/// naming the field, so hostile lengths never cause an allocation or an out-of-range read.
struct ByteReader {
    let bytes: UnsafeRawBufferPointer
    let file: String
    private(set) var offset: Int = 0

    init(_ bytes: UnsafeRawBufferPointer, file: String) {
        self.bytes = bytes
        self.file = file
    }

    /// Bytes left after the cursor.
    var remaining: Int { bytes.count - offset }

    /// Throws unless `count` more bytes are available.
    func require(_ count: Int, _ what: @autoclosure () -> String) throws {
        guard count >= 0, count <= remaining else {
            throw ModelFilesError.truncated(file: file, what: what(), offset: offset, needed: count, size: bytes.count)
        }
    }

    mutating func read<T: FixedWidthInteger>(_: T.Type, _ what: @autoclosure () -> String) throws -> T {
        try require(MemoryLayout<T>.size, what())
        let value = T(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: T.self))
        offset += MemoryLayout<T>.size
        return value
    }

    mutating func readFloat(_ what: @autoclosure () -> String) throws -> Float {
        Float(bitPattern: try read(UInt32.self, what()))
    }

    mutating func readDouble(_ what: @autoclosure () -> String) throws -> Double {
        Double(bitPattern: try read(UInt64.self, what()))
    }

    /// A u64 length (or count) that must fit in `Int`.
    mutating func readLength(_ what: @autoclosure () -> String) throws -> Int {
        let start = offset
        let value = try read(UInt64.self, what())
        guard let length = Int(exactly: value) else {
            throw ModelFilesError.invalidHeader(file: file, reason: "\(what()) \(value) at offset \(start) is too large")
        }
        return length
    }

    /// A GGUF string: u64 byte length, then UTF-8 bytes (invalid sequences become U+FFFD).
    mutating func readString(_ what: @autoclosure () -> String) throws -> String {
        let length = try readLength("length of \(what())")
        try require(length, what())
        let string = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[offset..<(offset + length)]), as: UTF8.self)
        offset += length
        return string
    }

    /// Moves the cursor forward to the next multiple of `alignment` (a power of two).
    mutating func align(to alignment: Int, _ what: @autoclosure () -> String) throws {
        let padding = (alignment - offset % alignment) % alignment
        try require(padding, what())
        offset += padding
    }
}

/// Little-endian serialization helpers for the writers.
extension Array where Element == UInt8 {
    mutating func appendLittleEndian<T: FixedWidthInteger>(_ value: T) {
        Swift.withUnsafeBytes(of: value.littleEndian) { append(contentsOf: $0) }
    }

    /// A GGUF string: u64 length + UTF-8 bytes.
    mutating func appendGGUFString(_ string: String) {
        let utf8 = Array(string.utf8)
        appendLittleEndian(UInt64(utf8.count))
        append(contentsOf: utf8)
    }

    /// Zero bytes up to the next multiple of `alignment`.
    mutating func pad(to alignment: Int, with byte: UInt8 = 0) {
        let padding = (alignment - count % alignment) % alignment
        append(contentsOf: repeatElement(byte, count: padding))
    }
}
