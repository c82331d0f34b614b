/// When generation ends: after `maxTokens` tokens, at a stop token, or at a stop string.
///
/// For SmolLM2 the stop tokens are `[0, 2, 4]` (`<|endoftext|>`, `<|im_end|>`, `<reponame>`).
public struct StopCondition: Sendable, Equatable {
    /// Most tokens to generate (a stop token counts); `0` generates nothing.
    public var maxTokens: Int
    /// Token ids that end generation; they are not part of the text.
    public var stopTokenIds: Set<Int>
    /// Texts that end generation; like OpenAI's `stop`, the text ends right before the first one.
    public var stopStrings: [String]

    public init(maxTokens: Int = 256, stopTokenIds: Set<Int> = [], stopStrings: [String] = []) {
        self.maxTokens = maxTokens
        self.stopTokenIds = stopTokenIds
        self.stopStrings = stopStrings
    }

    /// Throws `ModelError.invalidInput` for a negative `maxTokens` or an empty stop string.
    public func validate() throws {
        guard maxTokens >= 0 else { throw ModelError.invalidInput("maxTokens = \(maxTokens) must be >= 0") }
        if let i = stopStrings.firstIndex(of: "") {
            throw ModelError.invalidInput("stopStrings[\(i)] is empty; a stop string needs at least one character")
        }
    }
}

/// Why generation ended.
public enum StopReason: Sendable, Equatable, CustomStringConvertible {
    case maxTokens
    case stopToken(Int)
    case stopString(String)
    /// The caller asked to stop (`TextGenerator.generate`'s `isCancelled`).
    case cancelled

    public var description: String {
        switch self {
        case .maxTokens: return "max tokens"
        case .stopToken(let id): return "stop token \(id)"
        case .stopString(let s): return "stop string \(s.debugDescription)"
        case .cancelled: return "cancelled"
        }
    }
}

/// Watches generated tokens and their decoded text for a `StopCondition`, and says which text
/// is safe to show: a suffix that could begin a stop string is held back until it either
/// completes the stop string (then it is dropped, with everything after it) or cannot (then it
/// is released). A streaming client printing the returned chunks never shows part of a stop string.
///
/// Matching is on UTF-8 bytes; chunks are whole `String`s, so every cut falls between Unicode
/// scalars (a grapheme cluster may be split across two returned chunks).
public struct StopDetector: Sendable {
    public let condition: StopCondition
    /// Tokens fed so far, stop tokens included.
    public private(set) var tokenCount = 0
    /// Set once generation should end; later calls return "".
    public private(set) var reason: StopReason?
    /// All text returned so far: the generated text without stop tokens and stop strings.
    public private(set) var text = ""
    /// `condition.stopStrings` and their UTF-8, empty ones left out.
    private let stops: [(text: String, bytes: [UInt8])]
    /// Decoded bytes not yet returned (a possible stop-string prefix).
    private var pending: [UInt8] = []

    /// A `maxTokens` of 0 sets `reason` to `.maxTokens` at once.
    public init(condition: StopCondition) {
        self.condition = condition
        stops = condition.stopStrings.filter { !$0.isEmpty }.map { ($0, Array($0.utf8)) }
        if condition.maxTokens <= 0 { reason = .maxTokens }
    }

    /// Whether generation should end.
    public var isStopped: Bool { reason != nil }

    /// Feeds one generated token and its decoded text.
    /// - Returns: text now safe to show; once `reason` is set this includes the released
    ///   held-back text (none for a stop string), so nothing remains to flush.
    public mutating func feed(token: Int, text chunk: String) -> String {
        guard reason == nil else { return "" }
        tokenCount += 1
        if condition.stopTokenIds.contains(token) {
            reason = .stopToken(token)
            return finish()
        }
        var out = feed(text: chunk)
        if reason == nil && tokenCount >= condition.maxTokens {
            reason = .maxTokens
            out += finish()
        }
        return out
    }

    /// Feeds decoded text without counting a token (e.g. the tokenizer's final flush).
    /// - Returns: text now safe to show.
    public mutating func feed(text chunk: String) -> String {
        guard reason == nil else { return "" }
        pending.append(contentsOf: chunk.utf8)
        if let (start, stop) = firstStop() {
            reason = .stopString(stop)
            let out = String(decoding: pending[..<start], as: UTF8.self)
            pending.removeAll()
            text += out
            return out
        }
        let cut = pending.count - heldBackCount()
        let out = String(decoding: pending[..<cut], as: UTF8.self)
        pending.removeFirst(cut)
        text += out
        return out
    }

    /// Releases the held-back text when generation ends for a reason outside the detector
    /// (context full, cancelled). - Returns: the text to show last.
    public mutating func finish() -> String {
        let out = String(decoding: pending, as: UTF8.self)
        pending.removeAll()
        text += out
        return out
    }

    /// Earliest stop string in `pending` (the first listed one when several start there).
    private func firstStop() -> (start: Int, stop: String)? {
        for start in pending.indices {
            for stop in stops where pending.count - start >= stop.bytes.count {
                if pending[start..<start + stop.bytes.count].elementsEqual(stop.bytes) { return (start, stop.text) }
            }
        }
        return nil
    }

    /// Length of the longest suffix of `pending` that is a proper prefix of a stop string.
    private func heldBackCount() -> Int {
        let longest = stops.map(\.bytes.count).max() ?? 0
        var length = min(pending.count, longest - 1)
        while length > 0 {
            let suffix = pending[(pending.count - length)...]
            if stops.contains(where: { $0.bytes.count > length && $0.bytes.starts(with: suffix) }) { return length }
            length -= 1
        }
        return 0
    }
}
