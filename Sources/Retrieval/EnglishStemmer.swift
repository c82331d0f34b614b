/// The English Snowball ("Porter2") stemmer, as libstemmer 3.1 (PyStemmer 3.1's `english`).
///
/// Follows https://snowballstem.org/algorithms/english/stemmer.html in its Snowball 3 form:
/// exceptional words, R1/R2 (with the `arsen commun emerg gener inter later organ past univers`
/// prefixes), steps 0–5 and the `Y` marking of consonant y. Works on Unicode scalars, so lengths
/// count characters as libstemmer's UTF-8 mode does; letters outside a–z are consonants.
/// Input is expected in lower case (as `EnglishAnalyzer` produces it).
public struct EnglishStemmer: Sendable {
    public init() {}

    /// The stem of `word`, e.g. `"generously"` → `"generous"`, `"dying"` → `"die"`.
    public func stem(_ word: String) -> String {
        var w = word.unicodeScalars.map(\.value)
        stem(&w)
        var out = String.UnicodeScalarView()
        for v in w { if let s = Unicode.Scalar(v) { out.append(s) } }
        return String(out)
    }

    /// Stems `w` (Unicode scalar values) in place.
    func stem(_ w: inout [UInt32]) {
        if let replacement = Self.exception1(w) {
            w = replacement
            return
        }
        guard w.count >= 3 else { return }
        let yFound = Self.prelude(&w)
        let r = Regions(w)
        Self.step1a(&w)
        Self.step1b(&w, r)
        Self.step1c(&w)
        Self.step2(&w, r)
        Self.step3(&w, r)
        Self.step4(&w, r)
        Self.step5(&w, r)
        if yFound {
            for k in w.indices where w[k] == Letter.upperY { w[k] = Letter.y }
        }
    }

    // MARK: - Word start: exceptions, prelude, regions

    /// Whole words with a fixed stem (Snowball `exception1`).
    private static func exception1(_ w: [UInt32]) -> [UInt32]? {
        guard w.count >= 3, w.count <= 6 else { return nil }
        for (word, stem) in exceptionalWords where w == word { return stem }
        return nil
    }

    /// Drops a leading apostrophe and marks consonant y (initial, or after a vowel) as `Y`.
    private static func prelude(_ w: inout [UInt32]) -> Bool {
        if w.first == Letter.apostrophe { w.removeFirst() }
        var found = false
        for k in w.indices where w[k] == Letter.y && (k == 0 || isVowel(w[k - 1])) {
            w[k] = Letter.upperY
            found = true
        }
        return found
    }

    /// R1 starts after the first non-vowel that follows a vowel (or after a listed prefix);
    /// R2 is the same rule applied again inside R1. Both are `count` when empty.
    struct Regions {
        var p1: Int, p2: Int

        init(_ w: [UInt32]) {
            p1 = w.count
            p2 = w.count
            var start: Int? = nil
            for prefix in EnglishStemmer.regionPrefixes where w.starts(with: prefix) { start = prefix.count }
            guard let r1 = start ?? Self.afterVowelThenConsonant(w, from: 0) else { return }
            p1 = r1
            if let r2 = Self.afterVowelThenConsonant(w, from: r1) { p2 = r2 }
        }

        private static func afterVowelThenConsonant(_ w: [UInt32], from: Int) -> Int? {
            var i = from
            while i < w.count && !EnglishStemmer.isVowel(w[i]) { i += 1 }
            while i < w.count && EnglishStemmer.isVowel(w[i]) { i += 1 }
            return i < w.count ? i + 1 : nil
        }
    }

    // MARK: - Steps (each works on the end of the word)

    /// Step 0 (apostrophe suffixes) and step 1a (plural -s, -ies, -sses).
    private static func step1a(_ w: inout [UInt32]) {
        if let (start, _) = longestSuffix(w, apostropheSuffixes) { w.removeSubrange(start...) }
        guard let (start, action) = longestSuffix(w, step1aSuffixes) else { return }
        switch action {
        case 1: replace(&w, from: start, with: Suffix.ss)
        case 2: replace(&w, from: start, with: start >= 2 ? Suffix.i : Suffix.ie)
        case 3:
            // Delete the s if a vowel occurs before the letter preceding it.
            guard start >= 2, w[0 ..< start - 1].contains(where: isVowel) else { return }
            w.removeLast()
        default: return
        }
    }

    /// Step 1b: -eed, -eedly, -ed, -edly, -ing, -ingly.
    private static func step1b(_ w: inout [UInt32], _ r: Regions) {
        guard let (start, action) = longestSuffix(w, step1bSuffixes) else { return }
        if action == 1 {
            if let (at, _) = longestSuffix(w, before: start, eedExceptions), at == 0 { return }
            if start >= r.p1 { replace(&w, from: start, with: Suffix.ee) }
            return
        }
        if action == 3, let (at, kind) = longestSuffix(w, before: start, ingExceptions) {
            if kind == 1 && at == 1 && !isVowel(w[0]) {
                replace(&w, from: at, with: Suffix.ie)   // dying → die
                return
            }
            if kind == 2 && at == 0 { return }   // inning, evening, ...
        }
        guard w[0 ..< start].contains(where: isVowel) else { return }
        w.removeSubrange(start...)
        let n = w.count
        switch longestSuffix(w, step1bEndings)?.1 {
        case 1: w.append(Letter.e)
        case 2: if !(n == 3 && isAEO(w[0])) { w.removeLast() }
        default: if n == r.p1 && isShortSyllable(w, endingAt: n) { w.append(Letter.e) }
        }
    }

    /// Step 1c: final y after a consonant (not the first letter) becomes i.
    private static func step1c(_ w: inout [UInt32]) {
        let n = w.count
        guard n >= 3, w[n - 1] == Letter.y || w[n - 1] == Letter.upperY, !isVowel(w[n - 2]) else { return }
        w[n - 1] = Letter.i
    }

    /// Step 2: derivational suffixes in R1 (-ational, -izer, -fulness, -li, ...).
    private static func step2(_ w: inout [UInt32], _ r: Regions) {
        guard let (start, action) = longestSuffix(w, step2Suffixes), start >= r.p1 else { return }
        switch action {
        case 14: if start >= 1 && w[start - 1] == Letter.l { replace(&w, from: start, with: Suffix.og) }
        case 16: if start >= 1 && isValidLI(w[start - 1]) { w.removeSubrange(start...) }
        default: replace(&w, from: start, with: step2Replacements[action])
        }
    }

    /// Step 3: -ational, -alize, -icate, -ful, -ness, ... in R1; -ative in R2.
    private static func step3(_ w: inout [UInt32], _ r: Regions) {
        guard let (start, action) = longestSuffix(w, step3Suffixes), start >= r.p1 else { return }
        switch action {
        case 5: w.removeSubrange(start...)
        case 6: if start >= r.p2 { w.removeSubrange(start...) }
        default: replace(&w, from: start, with: step3Replacements[action])
        }
    }

    /// Step 4: residual suffixes in R2; -ion only after s or t.
    private static func step4(_ w: inout [UInt32], _ r: Regions) {
        guard let (start, action) = longestSuffix(w, step4Suffixes), start >= r.p2 else { return }
        if action == 2 && !(start >= 1 && (w[start - 1] == Letter.s || w[start - 1] == Letter.t)) { return }
        w.removeSubrange(start...)
    }

    /// Step 5: final e (in R2, or in R1 after no short syllable) and ll in R2.
    private static func step5(_ w: inout [UInt32], _ r: Regions) {
        guard let last = w.last else { return }
        let start = w.count - 1
        if last == Letter.e {
            if start >= r.p2 || (start >= r.p1 && !isShortSyllable(w, endingAt: start)) { w.removeLast() }
        } else if last == Letter.l, start >= r.p2, start >= 1, w[start - 1] == Letter.l {
            w.removeLast()
        }
    }

    // MARK: - Helpers

    /// Snowball `shortv` before position `end`: (non-vowel-WXY vowel non-vowel) or
    /// (vowel non-vowel) at the word start, or the word part ends in "past".
    static func isShortSyllable(_ w: [UInt32], endingAt end: Int) -> Bool {
        if end >= 3 && !isVowelWXY(w[end - 1]) && isVowel(w[end - 2]) && !isVowel(w[end - 3]) { return true }
        if end == 2 && !isVowel(w[1]) && isVowel(w[0]) { return true }
        return end >= 4 && w[end - 4 ..< end].elementsEqual(Suffix.past)
    }

    /// The longest table entry that `w[..<end]` ends with: (its start index, its action).
    static func longestSuffix(_ w: [UInt32], before end: Int? = nil,
                              _ table: [(suffix: [UInt32], action: Int)]) -> (Int, Int)? {
        let end = end ?? w.count
        for (suffix, action) in table where suffix.count <= end {   // tables are longest first
            let start = end - suffix.count
            var k = 0
            while k < suffix.count && w[start + k] == suffix[k] { k += 1 }
            if k == suffix.count { return (start, action) }
        }
        return nil
    }

    private static func replace(_ w: inout [UInt32], from start: Int, with replacement: [UInt32]) {
        w.replaceSubrange(start..., with: replacement)
    }

    static func isVowel(_ c: UInt32) -> Bool {
        c == 0x61 || c == 0x65 || c == 0x69 || c == 0x6F || c == 0x75 || c == 0x79   // a e i o u y
    }
    static func isVowelWXY(_ c: UInt32) -> Bool { isVowel(c) || c == 0x77 || c == 0x78 || c == Letter.upperY }
    static func isAEO(_ c: UInt32) -> Bool { c == 0x61 || c == 0x65 || c == 0x6F }
    static func isValidLI(_ c: UInt32) -> Bool {
        // c d e g h k m n r t
        [0x63, 0x64, 0x65, 0x67, 0x68, 0x6B, 0x6D, 0x6E, 0x72, 0x74].contains(c)
    }
}
