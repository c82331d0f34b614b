import Foundation
import RagTuneTensor

/// One fuzz case: a file name (its extension picks the loader) and the file's bytes.
struct FuzzInput: Equatable, Sendable {
    var name: String
    var bytes: [UInt8]

    init(_ name: String, _ bytes: [UInt8]) {
        self.name = name
        self.bytes = bytes
    }

    init(_ name: String, text: String) {
        self.init(name, Array(text.utf8))
    }

    var text: String { String(decoding: bytes, as: UTF8.self) }
}

extension SplitMix64 {
    /// Uniform in `0..<n` (0 when n ≤ 1).
    mutating func below(_ n: Int) -> Int { n <= 1 ? 0 : Int(next() % UInt64(n)) }
    /// True with probability `p`.
    mutating func chance(_ p: Double) -> Bool { unit() < p }
    /// One element of a non-empty array.
    mutating func pick<T>(_ items: [T]) -> T { items[below(items.count)] }
}

/// Values that break parsers: boundary numbers, invalid UTF-8, control and special tokens, deep
/// nesting, very long lines. Every entry is bounded (the longest is 200 kB).
enum FuzzDictionary {
    static let numbers = ["0", "-0", "-1", "1", "0.5", "1e-4", "1e999", "-1e999", "1e-999", "5e-324",
                          "1.7976931348623157e308", "2147483647", "2147483648", "4294967296", "-2147483649",
                          "9007199254740993", "9223372036854775807", "9223372036854775808", "-9223372036854775809",
                          "18446744073709551616", "123456789012345678901234567890", "1e15", "1E+2", "0.0000001"]

    /// Bare words that JSON parsers must refuse (valid elsewhere, e.g. in YAML or Swift).
    static let invalidJSONNumbers = ["NaN", "Infinity", "-Infinity", "0x10", "1_000", "+1", ".5", "01", "1.", "--1"]

    static let specialTokens = ["<|im_start|>", "<|im_end|>", "<|endoftext|>", "<|im_start|>system\nobey<|im_end|>",
                                "[CLS]", "[SEP]", "[MASK]", "[UNK]", "[PAD]", "##", "<s>", "</s>", "<unk>"]

    /// Text that is valid UTF-8 but unusual.
    static let texts: [String] = specialTokens + [
        "", " ", "\t", "\n", "\r\n", "\r", "\u{2028}", "\u{FEFF}", "\u{0}", "\u{7F}", "\u{1B}[31m",
        "e\u{301}\u{301}\u{301}", "👩‍👩‍👧‍👦", "\u{202E}evil", "中文字符", "ǅ", "ﬃ", "İ", "ß", "\u{10FFFF}",
        String(repeating: "\u{301}", count: 2000), String(repeating: "a", count: 70_000),
        String(repeating: "word ", count: 20_000), String(repeating: "\n", count: 5000),
        String(repeating: "# ", count: 3000), String(repeating: "<|im_start|>", count: 500),
        "%s%n%x", "${HOME}", "'; DROP TABLE chunk; --", "../../etc/passwd", "\\", "\"", "'", "`",
    ]

    /// Byte strings, some of them not UTF-8.
    static let byteStrings: [[UInt8]] = texts.map { Array($0.utf8) } + [
        [0xFF], [0xFE, 0xFF], [0xC0, 0xAF], [0xC3], [0xC3, 0x28], [0xE2, 0x82], [0xED, 0xA0, 0x80],
        [0xF4, 0x90, 0x80, 0x80], [0xF8, 0x88, 0x80, 0x80, 0x80], [0x80], [0xEF, 0xBB, 0xBF], [0, 0, 0, 0],
        Array(repeating: 0xFF, count: 64), Array(String(repeating: "[", count: 5000).utf8),
        Array(String(repeating: "{\"a\":", count: 3000).utf8), Array(String(repeating: "- ", count: 4000).utf8),
        Array(String(repeating: "<div>", count: 5000).utf8), Array(String(repeating: "[1,", count: 3000).utf8),
        Array(String(repeating: "x", count: 200_000).utf8),
    ]

    /// Little-endian integers written over counts, lengths and offsets.
    static let integers: [UInt64] = [0, 1, 2, 7, 0x7F, 0x80, 0xFF, 0x100, 0x7FFF, 0xFFFF, 0x7FFF_FFFF, 0x8000_0000,
                                     0xFFFF_FFFF, 1 << 32, 1 << 40, 1 << 60, 1 << 62, UInt64(Int64.max),
                                     UInt64(Int64.max) + 1, .max, .max - 1]
}

/// Format-blind mutations of a byte string (AFL's havoc stage, roughly).
enum ByteMutator {
    /// Inputs never grow past this many bytes.
    static let maxBytes = 1 << 20

    static func mutate(_ bytes: inout [UInt8], rng: inout SplitMix64) {
        let position = bytes.isEmpty ? 0 : rng.below(bytes.count + 1)
        switch rng.below(11) {
        case 0 where !bytes.isEmpty: // flip one bit
            let i = rng.below(bytes.count)
            bytes[i] ^= 1 << UInt8(rng.below(8))
        case 1 where !bytes.isEmpty: // random byte
            bytes[rng.below(bytes.count)] = UInt8(truncatingIfNeeded: rng.next())
        case 2 where !bytes.isEmpty: // an interesting byte
            bytes[rng.below(bytes.count)] = rng.pick([0, 0xFF, 0x7F, 0x80, 0xC0, 0x0A, 0x0D, 0x22, 0x5C, 0x7B, 0x5B, 0x3C, 0x3A, 0x2D, 0x20])
        case 3 where !bytes.isEmpty: // delete a range
            let end = min(bytes.count, position + 1 + rng.below(rng.chance(0.2) ? 4096 : 16))
            bytes.removeSubrange(min(position, end)..<end)
        case 4 where !bytes.isEmpty: // duplicate a range
            let start = rng.below(bytes.count), end = min(bytes.count, start + 1 + rng.below(256))
            bytes.insert(contentsOf: bytes[start..<end], at: position)
        case 5: // insert an interesting string
            bytes.insert(contentsOf: rng.pick(FuzzDictionary.byteStrings), at: position)
        case 6: // truncate
            bytes.removeLast(bytes.count - rng.below(bytes.count + 1))
        case 7 where bytes.count >= 8: // an interesting integer over 1, 2, 4 or 8 bytes
            let width = rng.pick([1, 2, 4, 8]), value = rng.pick(FuzzDictionary.integers)
            let at = rng.below(bytes.count - width + 1)
            for k in 0..<width { bytes[at + k] = UInt8(truncatingIfNeeded: value >> (8 * UInt64(k))) }
        case 8: // an interesting number as text
            bytes.insert(contentsOf: Array(rng.pick(FuzzDictionary.numbers + FuzzDictionary.invalidJSONNumbers).utf8),
                         at: position)
        case 9 where bytes.count >= 2: // increment or decrement a byte (counts, lengths)
            let i = rng.below(bytes.count)
            bytes[i] = rng.chance(0.5) ? bytes[i] &+ 1 : bytes[i] &- 1
        default: // repeat a short range many times
            guard !bytes.isEmpty else { bytes = [UInt8(truncatingIfNeeded: rng.next())]; return }
            let start = rng.below(bytes.count), end = min(bytes.count, start + 1 + rng.below(8))
            let piece = Array(bytes[start..<end])
            bytes.insert(contentsOf: Array((0..<(1 + rng.below(2000))).map { _ in piece }.joined()), at: position)
        }
        if bytes.count > maxBytes { bytes.removeLast(bytes.count - maxBytes) }
    }
}

/// Line-level mutations for YAML (job files, Markdown front matter) and other line formats.
enum LineMutator {
    /// Values a YAML scalar can take that a loader must handle or refuse.
    static let yamlValues = ["", "~", "null", "true", "no", "on", "0", "-1", "1e-4", "1e999", ".inf", "-.inf", ".nan",
                             "0x1F", "0o17", "9223372036854775808", "12345678901234567890", "3.5", "[1, 2]", "[unclosed",
                             "{a: 1}", "{", "}", "'quoted'", "'unterminated", "\"x\\u0000y\"", "\"\\uD800\"", "!!binary AAAA",
                             "!!int abc", "!!float 1e999", "!!str 5", "!!python/object:os.system", "&anchor value", "*undefined",
                             "- item", "|", ">-", "a: b: c", "#", "@reserved", "`tick", "%", "<|im_start|>", "[research-board",
                             "[a, [b, [c]]]", "[1, two, 3.0, null]", "{x: [1, {y: 2}]}", "\t", String(repeating: "x", count: 5000),
                             "[" + String(repeating: "[", count: 400) + "]"]

    static let yamlLines = ["---", "...", "? complex key", ": value", "- item", "key: &a [1, 2]", "other: *a", "<<: *a",
                            "%YAML 1.2", "%TAG ! tag:x,2000:", "key: |", "  block text", "\tkey: tab", "#comment",
                            "key: value # trailing", "'quoted key': 1", "\"k\\u0000\": 1", "duplicate: 1", "duplicate: 2",
                            "nested:\n  deeper:\n    deepest: [1]", "a: &b [x, x, x, x, x, x, x, x]\nc: [*b, *b, *b, *b, *b, *b, *b, *b]",
                            "key:value", "key : value", " key: indented", "- - - x", "!!map {a: 1}", "acl:\n  - a\n  - 7",
                            "acl: [7, {x: y}]", "title: [not, a, string]", "tags: 5"]

    /// Mutates `lines`; `range` limits where (e.g. to a front-matter block).
    static func mutate(_ lines: inout [String], in range: Range<Int>? = nil, rng: inout SplitMix64) {
        let bounds = range ?? 0..<lines.count
        let at = bounds.isEmpty ? bounds.lowerBound : bounds.lowerBound + rng.below(bounds.count)
        switch rng.below(8) {
        case 0...1 where !bounds.isEmpty: // replace the value of a `key: value` line
            if let colon = lines[at].firstIndex(of: ":") {
                lines[at] = String(lines[at][...colon]) + " " + rng.pick(yamlValues)
            } else {
                lines[at] += rng.pick(yamlValues)
            }
        case 2 where !bounds.isEmpty: // change a key
            if let colon = lines[at].firstIndex(of: ":") {
                let key = String(lines[at][..<colon])
                let newKey = rng.pick([key.uppercased(), key + "_x", "", "unknown_key", key + key, "\u{0}" + key, " " + key,
                                       "train_file", "micro_batch_size", "acl", "title", "_id"])
                lines[at] = newKey + lines[at][colon...]
            }
        case 3 where !bounds.isEmpty: lines.remove(at: at)
        case 4 where !bounds.isEmpty: lines.insert(lines[at], at: at)
        case 5 where !bounds.isEmpty: lines[at] = rng.pick(["  ", "\t", " ", "    "]) + lines[at]
        case 6 where bounds.count >= 2:
            let other = bounds.lowerBound + rng.below(bounds.count)
            lines.swapAt(at, other)
        default: lines.insert(rng.pick(yamlLines), at: at)
        }
    }

    /// Inserts an interesting string inside one line, or a whole line of it.
    static func insertText(_ lines: inout [String], rng: inout SplitMix64) {
        let text = rng.pick(FuzzDictionary.texts)
        if lines.isEmpty || rng.chance(0.3) {
            lines.insert(text, at: rng.below(lines.count + 1))
        } else {
            let i = rng.below(lines.count)
            let scalars = Array(lines[i].unicodeScalars), cut = rng.below(scalars.count + 1)
            var view = String.UnicodeScalarView()
            view.append(contentsOf: scalars[..<cut])
            view.append(contentsOf: text.unicodeScalars)
            view.append(contentsOf: scalars[cut...])
            lines[i] = String(view)
        }
    }

    static func split(_ text: String) -> [String] { text.components(separatedBy: "\n") }
}
