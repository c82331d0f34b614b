/// Finds special tokens (`[CLS]`, `<|im_start|>`, …) in raw UTF-8 text, leftmost match first and,
/// at one position, the longest token (as the Hugging Face `tokenizers` added-vocabulary does).
struct SpecialTokenMatcher: Sendable {
    private let tokens: [[UInt8]]       // [tokens] UTF-8 bytes
    private let ids: [Int]              // [tokens]
    private let byFirstByte: [[Int32]]  // [256] token indices starting with that byte, longest first

    /// A matcher for `(text, id)` pairs; empty texts are ignored.
    init(_ entries: [(text: String, id: Int)]) {
        let kept = entries.filter { !$0.text.isEmpty }
        let tokens = kept.map { Array($0.text.utf8) }
        var table = Array(repeating: [Int32](), count: 256)
        for (index, bytes) in tokens.enumerated() {
            table[Int(bytes[0])].append(Int32(index))
        }
        for byte in 0..<256 {
            table[byte].sort { tokens[Int($0)].count > tokens[Int($1)].count }
        }
        self.tokens = tokens
        ids = kept.map(\.id)
        byFirstByte = table
    }

    /// Whether there is nothing to match.
    var isEmpty: Bool { tokens.isEmpty }

    /// The first special token in `bytes[from...]`.
    /// - Returns: its byte range in `bytes` and its id, or nil.
    func firstMatch(in bytes: UnsafeBufferPointer<UInt8>, from: Int) -> (range: Range<Int>, id: Int)? {
        if tokens.isEmpty { return nil }
        var i = from
        while i < bytes.count {
            for index in byFirstByte[Int(bytes[i])] {
                let token = tokens[Int(index)]
                if token.count <= bytes.count - i && matches(token, bytes, at: i) {
                    return (i..<(i + token.count), ids[Int(index)])
                }
            }
            i += 1
        }
        return nil
    }

    private func matches(_ token: [UInt8], _ bytes: UnsafeBufferPointer<UInt8>, at offset: Int) -> Bool {
        for k in 1..<token.count where token[k] != bytes[offset + k] {
            return false
        }
        return true
    }

    /// Splits `bytes` into plain-text ranges and special tokens, in order.
    /// `onText` gets non-empty ranges only.
    func split(_ bytes: UnsafeBufferPointer<UInt8>, onText: (Range<Int>) -> Void, onSpecial: (Int) -> Void) {
        var position = 0
        while let match = firstMatch(in: bytes, from: position) {
            if match.range.lowerBound > position { onText(position..<match.range.lowerBound) }
            onSpecial(match.id)
            position = match.range.upperBound
        }
        if position < bytes.count { onText(position..<bytes.count) }
    }
}
