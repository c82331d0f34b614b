/// Turns English text into index terms the way bm25s does with `stopwords="en"` and PyStemmer's
/// `english` stemmer: lower-case (full Unicode mapping), take every run of at least two word
/// characters (the regex `(?u)\b\w\w+\b`: letters, numbers and `_`), drop stopwords, stem with
/// Snowball English (`EnglishStemmer`).
///
/// Works on UTF-8 bytes: ASCII goes through a lookup table, other scalars are decoded, lowered
/// (full mapping, with Python's final-sigma rule) and classified one by one. May differ from
/// Python only on scalars whose Unicode properties changed between Unicode versions.
public struct EnglishAnalyzer: Sendable, Equatable {
    /// The English stopwords of bm25s (`bm25s.stopwords.STOPWORDS_EN`, 33 words).
    public static let bm25sEnglishStopwords: [String] = [
        "a", "an", "and", "are", "as", "at", "be", "but", "by", "for", "if", "in", "into", "is", "it",
        "no", "not", "of", "on", "or", "such", "that", "the", "their", "then", "there", "these",
        "they", "this", "to", "was", "will", "with",
    ]

    /// Lower-cased tokens dropped before stemming.
    public let stopwords: Set<String>
    /// Whether tokens are reduced with `EnglishStemmer`.
    public let stemming: Bool
    private let stopwordBytes: Set<[UInt8]>

    /// - Parameters:
    ///   - stopwords: words to drop, compared after lower-casing and before stemming.
    ///   - stemming: false keeps the lower-cased surface tokens.
    public init(stopwords: [String] = EnglishAnalyzer.bm25sEnglishStopwords, stemming: Bool = true) {
        self.stopwords = Set(stopwords.map { $0.lowercased() })
        self.stemming = stemming
        stopwordBytes = Set(self.stopwords.map { Array($0.utf8) })
    }

    public static func == (a: EnglishAnalyzer, b: EnglishAnalyzer) -> Bool {
        a.stopwords == b.stopwords && a.stemming == b.stemming
    }

    /// The terms of `text`, in order, repeats kept (e.g. `"The cats' sat!"` → `["cat", "sat"]`).
    public func analyze(_ text: String) -> [String] {
        var terms: [String] = []
        forEachToken(in: text) { token in
            if let term = term(forToken: token) { terms.append(String(decoding: term, as: UTF8.self)) }
        }
        return terms
    }

    /// The lower-cased tokens of `text` before stopword removal and stemming.
    public func tokenize(_ text: String) -> [String] {
        var tokens: [String] = []
        forEachToken(in: text) { tokens.append(String(decoding: $0, as: UTF8.self)) }
        return tokens
    }

    /// The term (UTF-8) of one lower-cased token, or nil for a stopword.
    func term(forToken token: [UInt8]) -> [UInt8]? {
        if stopwordBytes.contains(token) { return nil }
        guard stemming else { return token }
        var scalars: [UInt32] = []
        scalars.reserveCapacity(token.count)
        for scalar in String(decoding: token, as: UTF8.self).unicodeScalars { scalars.append(scalar.value) }
        EnglishStemmer().stem(&scalars)
        var out: [UInt8] = []
        out.reserveCapacity(scalars.count)
        for v in scalars {
            if let scalar = Unicode.Scalar(v), let encoded = UTF8.encode(scalar) { out.append(contentsOf: encoded) }
        }
        return out
    }

    /// Calls `body` with the lower-cased UTF-8 bytes of each token of `text` (runs of ≥ 2 word
    /// characters), in order. One buffer is refilled for every token, so no array is allocated
    /// per token unless `body` keeps it.
    func forEachToken(in text: String, _ body: ([UInt8]) -> Void) {
        var text = text
        text.makeContiguousUTF8()
        var token: [UInt8] = []
        token.reserveCapacity(64)
        var scalarCount = 0
        let asciiClass = Self.asciiClass
        text.utf8.withContiguousStorageIfAvailable { bytes in
            var i = 0
            let n = bytes.count
            while i < n {
                let byte = bytes[i]
                if byte < 0x80 {
                    i += 1
                    let cls = asciiClass[Int(byte)]
                    if cls != 0 {
                        token.append(cls == 2 ? byte | 0x20 : byte)
                        scalarCount += 1
                        continue
                    }
                    if scalarCount >= 2 { body(token) }
                    token.removeAll(keepingCapacity: true)
                    scalarCount = 0
                    continue
                }
                let (scalar, length) = Self.decode(bytes, at: i)
                let start = i
                i += length
                // Lower-case, then split the mapping (it may hold several scalars) into word / not.
                let mapping = scalar == Self.capitalSigma
                    ? [Self.isFinalSigma(bytes, start: start, end: i) ? "\u{03C2}" : "\u{03C3}"]
                    : Self.lowercase(scalar)
                for lowered in mapping {
                    if Self.isWordCharacter(lowered), let encoded = UTF8.encode(lowered) {
                        token.append(contentsOf: encoded)
                        scalarCount += 1
                    } else {
                        if scalarCount >= 2 { body(token) }
                        token.removeAll(keepingCapacity: true)
                        scalarCount = 0
                    }
                }
            }
        }
        if scalarCount >= 2 { body(token) }
    }

    // MARK: - Character classes

    /// 0: separator, 1: word character, 2: upper-case ASCII letter.
    private static let asciiClass: [UInt8] = (0 ..< 128).map { b -> UInt8 in
        switch b {
        case 0x41 ... 0x5A: return 2
        case 0x30 ... 0x39, 0x61 ... 0x7A, 0x5F: return 1
        default: return 0
        }
    }

    /// Python's `\w` for str patterns: a letter (L*), a character with a numeric value, or `_`.
    static func isWordCharacter(_ scalar: Unicode.Scalar) -> Bool {
        if scalar.isASCII { return asciiClass[Int(scalar.value)] != 0 }
        switch scalar.properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter: return true
        default: return scalar.properties.numericType != nil
        }
    }

    /// Full lower-case mapping of one scalar (context-free; Σ is handled by `isFinalSigma`).
    private static func lowercase(_ scalar: Unicode.Scalar) -> [Unicode.Scalar] {
        guard scalar.properties.changesWhenLowercased else { return [scalar] }
        return Array(scalar.properties.lowercaseMapping.unicodeScalars)
    }

    private static let capitalSigma: Unicode.Scalar = "\u{03A3}"

    /// Unicode's Final_Sigma context, as Python's `str.lower` applies it to the Σ at
    /// `start ..< end`: a cased letter before it and none after it (case-ignorables skipped).
    private static func isFinalSigma(_ bytes: UnsafeBufferPointer<UInt8>, start: Int, end: Int) -> Bool {
        var j = start
        var before: Unicode.Scalar? = nil
        while j > 0 {
            j -= 1
            while j > 0 && bytes[j] & 0xC0 == 0x80 { j -= 1 }
            let (scalar, _) = decode(bytes, at: j)
            if !scalar.properties.isCaseIgnorable { before = scalar; break }
        }
        guard let before, before.properties.isCased else { return false }
        j = end
        while j < bytes.count {
            let (scalar, length) = decode(bytes, at: j)
            if !scalar.properties.isCaseIgnorable { return !scalar.properties.isCased }
            j += length
        }
        return true
    }

    /// Decodes the scalar starting at `i` (valid UTF-8, as Swift strings are).
    private static func decode(_ bytes: UnsafeBufferPointer<UInt8>, at i: Int) -> (Unicode.Scalar, Int) {
        let b0 = UInt32(bytes[i])
        if b0 < 0x80 { return (Unicode.Scalar(UInt8(b0)), 1) }
        let (length, initial): (Int, UInt32) =
            b0 >= 0xF0 ? (4, b0 & 0x07) : b0 >= 0xE0 ? (3, b0 & 0x0F) : (2, b0 & 0x1F)
        var value = initial
        for k in 1 ..< length where i + k < bytes.count { value = value << 6 | UInt32(bytes[i + k] & 0x3F) }
        return (Unicode.Scalar(value) ?? "\u{FFFD}", length)
    }
}
