import Foundation

/// BERT text normalization and word splitting, as Hugging Face `tokenizers` does it with
/// `BertNormalizer` followed by `BertPreTokenizer`:
/// 1. `cleanText`: drop NUL, U+FFFD and Cc/Cf/Cn/Co/Cs characters (but not `\t\n\r`); map every
///    whitespace character to a space.
/// 2. `handleChineseChars`: CJK ideographs become words of their own.
/// 3. `stripAccents`: NFD, then drop nonspacing marks (Mn).
/// 4. `lowercase`: full Unicode lowercase mapping, per character (after accent stripping, so
///    `İ` → `i̇` keeps its dot).
/// 5. Split on whitespace; every punctuation character (Unicode P* or any ASCII symbol) is a word.
struct BertNormalizer: Sendable {
    var cleanText = true
    var handleChineseChars = true
    var stripAccents = true
    var lowercase = true

    /// Calls `body` with the UTF-8 bytes of each normalized word and its length in Unicode
    /// scalars, in order. Stops as soon as `body` returns false.
    func forEachWord(in text: Substring, _ body: ([UInt8], Int) -> Bool) {
        withoutActuallyEscaping(body) { body in
            var splitter = WordSplitter(body: body)
            if stripAccents && text.utf8.contains(where: { $0 >= 0xC3 }) {
                // Only scalars from U+00C0 on can decompose, and their UTF-8 starts at 0xC3.
                let decomposed = String(text).decomposedStringWithCanonicalMapping
                for scalar in decomposed.unicodeScalars where !process(scalar, &splitter) { return }
            } else {
                for scalar in text.unicodeScalars where !process(scalar, &splitter) { return }
            }
            _ = splitter.endWord()
        }
    }

    /// Steps 1–4 for one input scalar; step 5 in `splitter`. Returns false to stop.
    private func process(_ scalar: Unicode.Scalar, _ splitter: inout WordSplitter) -> Bool {
        let v = scalar.value
        if v < 0x80 {
            if v == 0x20 || (v >= 0x09 && v <= 0x0D) {
                if cleanText && (v == 0x0B || v == 0x0C) { return true }  // Cc, not \t\n\r
                return splitter.endWord()
            }
            if v < 0x20 || v == 0x7F {
                return cleanText ? true : splitter.append(scalar)
            }
            if lowercase && v >= 0x41 && v <= 0x5A {
                return splitter.append(Unicode.Scalar(UInt8(v + 0x20)))
            }
            return Self.isASCIIPunctuation(v) ? splitter.isolate(scalar) : splitter.append(scalar)
        }
        let properties = scalar.properties
        if cleanText {
            if v == 0xFFFD { return true }
            switch properties.generalCategory {
            case .control, .format, .unassigned, .privateUse, .surrogate: return true
            default: break
            }
        }
        if properties.isWhitespace { return splitter.endWord() }
        if handleChineseChars && Self.isCJKIdeograph(v) { return splitter.isolate(scalar) }
        if stripAccents && properties.generalCategory == .nonspacingMark { return true }
        if lowercase && properties.changesWhenLowercased {
            for lower in properties.lowercaseMapping.unicodeScalars where !splitWord(lower, &splitter) {
                return false
            }
            return true
        }
        return splitWord(scalar, &splitter)
    }

    /// Step 5 for a normalized scalar.
    private func splitWord(_ scalar: Unicode.Scalar, _ splitter: inout WordSplitter) -> Bool {
        let v = scalar.value
        if v < 0x80 {
            if v == 0x20 || (v >= 0x09 && v <= 0x0D) { return splitter.endWord() }
            return Self.isASCIIPunctuation(v) ? splitter.isolate(scalar) : splitter.append(scalar)
        }
        if scalar.properties.isWhitespace { return splitter.endWord() }
        return Self.isPunctuation(scalar) ? splitter.isolate(scalar) : splitter.append(scalar)
    }

    /// `!"#$%&'()*+,-./:;<=>?@[\]^_` and `` ` ``, `{|}~`.
    static func isASCIIPunctuation(_ v: UInt32) -> Bool {
        (v >= 0x21 && v <= 0x2F) || (v >= 0x3A && v <= 0x40) || (v >= 0x5B && v <= 0x60) || (v >= 0x7B && v <= 0x7E)
    }

    /// Unicode general categories Pc, Pd, Ps, Pe, Pi, Pf, Po (plus ASCII symbols).
    static func isPunctuation(_ scalar: Unicode.Scalar) -> Bool {
        if scalar.value < 0x80 { return isASCIIPunctuation(scalar.value) }
        switch scalar.properties.generalCategory {
        case .connectorPunctuation, .dashPunctuation, .openPunctuation, .closePunctuation,
             .initialPunctuation, .finalPunctuation, .otherPunctuation:
            return true
        default:
            return false
        }
    }

    /// The CJK Unified Ideographs blocks BERT pads with spaces (not kana or hangul).
    static func isCJKIdeograph(_ v: UInt32) -> Bool {
        (v >= 0x4E00 && v <= 0x9FFF) || (v >= 0x3400 && v <= 0x4DBF) || (v >= 0x20000 && v <= 0x2A6DF)
            || (v >= 0x2A700 && v <= 0x2B73F) || (v >= 0x2B740 && v <= 0x2B81F) || (v >= 0x2B820 && v <= 0x2CEAF)
            || (v >= 0xF900 && v <= 0xFAFF) || (v >= 0x2F800 && v <= 0x2FA1F)
    }
}

/// Collects the bytes of the current word and hands finished words to a callback
/// (which never outlives `BertNormalizer.forEachWord`).
private struct WordSplitter {
    let body: ([UInt8], Int) -> Bool
    var word: [UInt8] = []
    var scalarCount = 0

    init(body: @escaping ([UInt8], Int) -> Bool) {
        self.body = body
        word.reserveCapacity(64)
    }

    mutating func append(_ scalar: Unicode.Scalar) -> Bool {
        if scalar.value < 0x80 {
            word.append(UInt8(scalar.value))
        } else {
            word.append(contentsOf: UTF8.encode(scalar)!)
        }
        scalarCount += 1
        return true
    }

    mutating func endWord() -> Bool {
        if word.isEmpty { return true }
        let keepGoing = body(word, scalarCount)
        word.removeAll(keepingCapacity: true)
        scalarCount = 0
        return keepGoing
    }

    /// Ends the current word, then emits `scalar` as a word of its own.
    mutating func isolate(_ scalar: Unicode.Scalar) -> Bool {
        endWord() && append(scalar) && endWord()
    }
}
