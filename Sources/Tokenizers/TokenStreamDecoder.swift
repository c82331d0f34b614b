/// Turns token ids, one at a time, into text as soon as it is complete UTF-8, for streaming
/// generated text. A character split across tokens (emoji, CJK from byte tokens) is held back
/// until its last byte arrives.
///
/// ```swift
/// var stream = TokenStreamDecoder(tokenizer: tokenizer)
/// for id in generated { print(stream.append(id), terminator: "") }
/// print(stream.finish())
/// ```
public struct TokenStreamDecoder: Sendable {
    /// The tokenizer whose ids are decoded.
    public let tokenizer: BPETokenizer
    /// Whether control tokens (`<|im_end|>`) are left out of the text.
    public let skipSpecial: Bool
    private var pending: [UInt8] = []  // bytes of an unfinished character, at most 3

    /// A decoder with nothing pending; by default control tokens are not shown.
    public init(tokenizer: BPETokenizer, skipSpecial: Bool = true) {
        self.tokenizer = tokenizer
        self.skipSpecial = skipSpecial
    }

    /// Adds one id and returns the text that is now complete (often empty for a partial character).
    public mutating func append(_ id: Int) -> String {
        pending += tokenizer.bytes(of: id, skipSpecial: skipSpecial)
        let complete = Self.completePrefixLength(pending)
        if complete == 0 { return "" }
        let text = String(decoding: pending[..<complete], as: UTF8.self)
        pending.removeFirst(complete)
        return text
    }

    /// Returns whatever is still held back (an unfinished character becomes U+FFFD) and resets.
    public mutating func finish() -> String {
        defer { pending.removeAll() }
        return String(decoding: pending, as: UTF8.self)
    }

    /// Length of `bytes` without a trailing, possibly unfinished UTF-8 sequence. Bytes that can
    /// never become valid are not held back: they decode to U+FFFD at once.
    static func completePrefixLength(_ bytes: [UInt8]) -> Int {
        var start = bytes.count - 1
        while start >= 0 && bytes.count - start <= 3 && bytes[start] & 0xC0 == 0x80 { start -= 1 }
        guard start >= 0 else { return bytes.count }
        let lead = bytes[start]
        let needed: Int
        switch lead {
        case 0xC2...0xDF: needed = 2
        case 0xE0...0xEF: needed = 3
        case 0xF0...0xF4: needed = 4
        default: return bytes.count
        }
        return bytes.count - start < needed ? start : bytes.count
    }
}
