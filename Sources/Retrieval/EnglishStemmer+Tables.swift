/// Suffix tables of the English Snowball stemmer, as in libstemmer 3.1's `english.sbl`.
/// Each table is ordered longest suffix first, so the first match is Snowball's `among` match.
extension EnglishStemmer {
    /// Single letters as Unicode scalar values.
    enum Letter {
        static let apostrophe: UInt32 = 0x27
        static let e: UInt32 = 0x65, i: UInt32 = 0x69, l: UInt32 = 0x6C
        static let s: UInt32 = 0x73, t: UInt32 = 0x74, y: UInt32 = 0x79
        /// Marks a consonant y during stemming (`Y` in the Snowball script).
        static let upperY: UInt32 = 0x59
    }

    /// Replacement strings used by more than one step.
    enum Suffix {
        static let i = scalars("i"), ie = scalars("ie"), ee = scalars("ee"), ss = scalars("ss")
        static let og = scalars("og"), past = scalars("past")
    }

    /// Words with a fixed stem; invariant words map to themselves.
    static let exceptionalWords: [([UInt32], [UInt32])] = [
        ("skis", "ski"), ("skies", "sky"), ("idly", "idl"), ("gently", "gentl"), ("ugly", "ugli"),
        ("early", "earli"), ("only", "onli"), ("singly", "singl"),
        ("sky", "sky"), ("news", "news"), ("howe", "howe"),
        ("atlas", "atlas"), ("cosmos", "cosmos"), ("bias", "bias"), ("andes", "andes"),
    ].map { (scalars($0.0), scalars($0.1)) }

    /// Word starts after which R1 begins (instead of the vowel–consonant rule).
    static let regionPrefixes: [[UInt32]] =
        ["arsen", "commun", "emerg", "gener", "inter", "later", "organ", "past", "univers"].map(scalars)

    static let apostropheSuffixes = table([("'s'", 1), ("'s", 1), ("'", 1)])

    /// 1: → ss, 2: → i or ie, 3: delete s after a vowel, 0: keep.
    static let step1aSuffixes = table([("sses", 1), ("ied", 2), ("ies", 2), ("us", 0), ("ss", 0), ("s", 3)])

    /// 1: -eed(ly) → ee in R1, 2: -ed, -edly, -ingly, 3: -ing (with its exceptions).
    static let step1bSuffixes = table([
        ("eedly", 1), ("ingly", 2), ("edly", 2), ("eed", 1), ("ing", 3), ("ed", 2),
    ])
    /// Whole words before -eed(ly) that keep it: proceed, exceed, succeed.
    static let eedExceptions = table([("succ", 1), ("proc", 1), ("exc", 1)])
    /// Before -ing: 1: consonant + y as the whole word (dying), 2: whole words that keep -ing.
    static let ingExceptions = table([
        ("even", 2), ("cann", 2), ("earr", 2), ("herr", 2), ("inn", 2), ("out", 2), ("y", 1),
    ])
    /// After removing -ed/-ing: 1: add e, 2: undouble.
    static let step1bEndings = table([
        ("at", 1), ("bl", 1), ("iz", 1),
        ("bb", 2), ("dd", 2), ("ff", 2), ("gg", 2), ("mm", 2), ("nn", 2), ("pp", 2), ("rr", 2), ("tt", 2),
    ])

    /// Actions index `step2Replacements`; 14: -ogi → -og after l, 16: -li deleted after a valid li-ending.
    static let step2Suffixes = table([
        ("tional", 1), ("enci", 2), ("anci", 3), ("abli", 4), ("entli", 5), ("izer", 6), ("ization", 6),
        ("ational", 7), ("ation", 7), ("ator", 7), ("alism", 8), ("aliti", 8), ("alli", 8),
        ("fulness", 9), ("fulli", 9), ("ousli", 10), ("ousness", 10), ("iveness", 11), ("iviti", 11),
        ("biliti", 12), ("bli", 12), ("ogist", 13), ("ogi", 14), ("lessli", 15), ("li", 16),
    ])
    static let step2Replacements: [[UInt32]] = [
        "", "tion", "ence", "ance", "able", "ent", "ize", "ate", "al", "ful", "ous", "ive", "ble", "og", "og", "less",
    ].map(scalars)

    /// Actions index `step3Replacements`; 5: delete, 6: delete when in R2.
    static let step3Suffixes = table([
        ("tional", 1), ("ational", 2), ("alize", 3), ("icate", 4), ("iciti", 4), ("ical", 4),
        ("ful", 5), ("ness", 5), ("ative", 6),
    ])
    static let step3Replacements: [[UInt32]] = ["", "tion", "ate", "al", "ic"].map(scalars)

    /// 1: delete, 2: -ion deleted after s or t.
    static let step4Suffixes = table([
        ("al", 1), ("ance", 1), ("ence", 1), ("er", 1), ("ic", 1), ("able", 1), ("ible", 1), ("ant", 1),
        ("ement", 1), ("ment", 1), ("ent", 1), ("ism", 1), ("ate", 1), ("iti", 1), ("ous", 1),
        ("ive", 1), ("ize", 1), ("ion", 2),
    ])

    private static func scalars(_ text: String) -> [UInt32] { text.unicodeScalars.map(\.value) }

    /// Entries sorted longest first (stable, so equal lengths keep their order).
    private static func table(_ entries: [(String, Int)]) -> [(suffix: [UInt32], action: Int)] {
        entries.enumerated()
            .sorted { ($0.element.0.count, -$0.offset) > ($1.element.0.count, -$1.offset) }
            .map { (suffix: scalars($0.element.0), action: $0.element.1) }
    }
}
