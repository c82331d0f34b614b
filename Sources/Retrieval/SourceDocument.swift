/// The format a `SourceDocument` was loaded from; the chunker uses it to pick heading-aware splitting.
public enum DocumentFormat: String, Sendable, Hashable, Codable, CaseIterable {
    case text, markdown, html, jsonl, pdf
}

/// One loaded document, ready for chunking and indexing.
///
/// `text` has `\r\n` and `\r` line endings normalized to `\n`; chunk offsets index into it in
/// Unicode scalars (the same unit as Python `str` indices).
public struct SourceDocument: Sendable, Hashable, Codable {
    /// Stable identifier: the path relative to the loaded folder (or the file name for a file given
    /// directly), or the `_id` field of a JSONL line.
    public var id: String
    /// Path of the file the document came from, as given to the loader.
    public var sourcePath: String
    public var title: String
    public var text: String
    /// Extra string fields (JSONL fields other than `_id`, `title`, `text`, `acl`).
    public var metadata: [String: String]
    /// Principals allowed to see the document; empty means everyone.
    public var acl: [String]
    public var format: DocumentFormat
    /// 64-bit FNV-1a hash over the UTF-8 of `title`, a 0x00 separator byte, and `text`; a changed
    /// hash means the document must be re-chunked and re-embedded. Not cryptographic.
    public var contentHash: UInt64

    /// 64-bit FNV-1a hash of everything stored beside the text: source path, format, ACL and
    /// metadata (keys sorted). A changed hash with an unchanged `contentHash` means the stored
    /// document's fields must be updated (an ACL change must reach the store) without re-embedding.
    public var fieldsHash: UInt64 {
        var hash = FNV1a()
        hash.add(sourcePath)
        hash.add(format.rawValue)
        hash.add("acl")
        for principal in acl { hash.add(principal) }
        hash.add("metadata")
        for key in metadata.keys.sorted() {
            hash.add(key)
            hash.add(metadata[key]!)
        }
        return hash.value
    }

    public init(id: String, sourcePath: String, title: String, text: String,
                metadata: [String: String] = [:], acl: [String] = [], format: DocumentFormat = .text) {
        self.id = id
        self.sourcePath = sourcePath
        self.title = title
        self.text = text
        self.metadata = metadata
        self.acl = acl
        self.format = format
        self.contentHash = Self.contentHash(title: title, text: text)
    }

    /// FNV-1a 64 (offset basis 0xcbf29ce484222325, prime 0x100000001b3) of `title`, 0x00, `text`.
    public static func contentHash(title: String, text: String) -> UInt64 {
        var hash = FNV1a()
        hash.add(title)
        for byte in text.utf8 { hash.mix(byte) }
        return hash.value
    }

    /// The part of `text` between two Unicode-scalar offsets (as in `Chunk.startOffset`/`endOffset`),
    /// clamped to the text.
    public func text(from start: Int, to end: Int) -> String {
        let scalars = text.unicodeScalars
        let lower = max(0, min(start, scalars.count)), upper = max(lower, min(end, scalars.count))
        let from = scalars.index(scalars.startIndex, offsetBy: lower)
        let to = scalars.index(from, offsetBy: upper - lower)
        return String(scalars[from..<to])
    }
}

/// 64-bit FNV-1a (offset basis 0xcbf29ce484222325, prime 0x100000001b3) over bytes, or over
/// strings each followed by a 0x00 byte so that ("ab", "c") and ("a", "bc") differ. The same on
/// every machine and run (unlike `Hasher`), for hashes that are stored or seed a split.
public struct FNV1a: Sendable {
    public private(set) var value: UInt64 = 0xcbf2_9ce4_8422_2325

    public init() {}

    /// The hash of `text`'s UTF-8 bytes (no terminator).
    public init(bytesOf text: String) {
        for byte in text.utf8 { mix(byte) }
    }

    public mutating func mix(_ byte: UInt8) {
        value ^= UInt64(byte)
        value &*= 0x0000_0100_0000_01b3
    }

    public mutating func add(_ string: String) {
        for byte in string.utf8 { mix(byte) }
        mix(0)
    }
}
