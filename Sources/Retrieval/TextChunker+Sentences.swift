/// Section and sentence boundaries, on Unicode-scalar offsets.
extension TextChunker {
    /// Words ending in "." that do not end a sentence (compared lowercased, leading "(" or quotes dropped).
    static let abbreviations: Set<String> = [
        "e.g.", "i.e.", "cf.", "etc.", "vs.", "al.", "approx.", "ca.", "resp.", "viz.",
        "dr.", "mr.", "mrs.", "ms.", "prof.", "st.", "jr.", "sr.", "mt.", "gen.", "col.", "lt.",
        "fig.", "figs.", "eq.", "eqs.", "tab.", "sec.", "ch.", "ref.", "refs.", "vol.", "no.", "nos.",
        "p.", "pp.", "ed.", "eds.", "inc.", "ltd.", "co.", "corp.", "dept.", "univ.", "u.s.", "u.k.",
    ]

    /// Markdown sections: `(heading path, body range)`, the body excluding its heading line. Text before
    /// the first heading is a section with a nil heading. Lines in ``` or ~~~ fences are never headings.
    static func sections(_ s: [Unicode.Scalar]) -> [(heading: String?, range: Range<Int>)] {
        var sections: [(heading: String?, range: Range<Int>)] = []
        var stack: [(level: Int, title: String)] = []
        var bodyStart = 0, lineStart = 0, inFence = false
        while lineStart <= s.count {
            var lineEnd = lineStart
            while lineEnd < s.count, s[lineEnd] != "\n" { lineEnd += 1 }
            let line = string(s, lineStart..<lineEnd)
            let trimmed = line.drop(while: { $0 == " " })
            if trimmed.hasPrefix("```") || trimmed.hasPrefix("~~~") {
                inFence.toggle()
            } else if !inFence, line.count - trimmed.count <= 3, let (level, title) = heading(trimmed) {
                sections.append((stack.isEmpty ? nil : stack.map(\.title).joined(separator: " > "), bodyStart..<lineStart))
                while let last = stack.last, last.level >= level { stack.removeLast() }
                stack.append((level, title))
                bodyStart = min(lineEnd + 1, s.count)
            }
            lineStart = lineEnd + 1
        }
        sections.append((stack.isEmpty ? nil : stack.map(\.title).joined(separator: " > "), bodyStart..<s.count))
        return sections.filter { !$0.range.isEmpty }
    }

    /// `# Title` → (1, "Title"); trailing `#`s are dropped. Nil when the line is not an ATX heading.
    static func heading(_ line: Substring) -> (Int, String)? {
        let level = line.prefix(while: { $0 == "#" }).count
        guard (1...6).contains(level) else { return nil }
        let rest = line.dropFirst(level)
        guard rest.isEmpty || rest.first == " " || rest.first == "\t" else { return nil }
        var title = rest.trimmingWhitespace()
        while title.hasSuffix("#") { title.removeLast() }
        title = title.trimmingWhitespace()
        return title.isEmpty ? nil : (level, title)
    }

    /// Sentences in `range`, trimmed of whitespace. A sentence ends at a newline, or after `.`, `!`
    /// or `?` (plus closing quotes/brackets) followed by whitespace and then an uppercase letter, a
    /// digit, an opening quote/bracket, or the end — except after a known abbreviation or a
    /// one-letter initial ("J."). Decimals ("3.14") never split, as no whitespace follows the point.
    static func sentenceRanges(_ s: [Unicode.Scalar], in range: Range<Int>) -> [Range<Int>] {
        var sentences: [Range<Int>] = []
        func add(_ from: Int, _ to: Int) {
            var lo = from, hi = to
            while lo < hi, s[lo].properties.isWhitespace { lo += 1 }
            while hi > lo, s[hi - 1].properties.isWhitespace { hi -= 1 }
            if lo < hi { sentences.append(lo..<hi) }
        }
        var start = range.lowerBound, i = range.lowerBound
        while i < range.upperBound {
            let c = s[i]
            if c == "\n" {
                add(start, i)
                start = i + 1
            } else if c == "." || c == "!" || c == "?" {
                var j = i + 1
                while j < range.upperBound, "\"')]»”’".unicodeScalars.contains(s[j]) { j += 1 }
                var k = j
                while k < range.upperBound, s[k] == " " || s[k] == "\t" { k += 1 }
                let spaced = j == range.upperBound || s[j].properties.isWhitespace
                let nextStarts = k == range.upperBound || s[k].properties.isUppercase || s[k] == "\n"
                    || ("0"..."9").contains(s[k]) || "\"'([“‘".unicodeScalars.contains(s[k])
                if spaced, nextStarts, !(c == "." && isAbbreviation(s, endingAt: i, from: start)) {
                    add(start, j)
                    start = j
                    i = j
                    continue
                }
            }
            i += 1
        }
        add(start, range.upperBound)
        return sentences
    }

    /// Whether the word ending with the "." at `dot` is an abbreviation or an initial.
    static func isAbbreviation(_ s: [Unicode.Scalar], endingAt dot: Int, from lowerBound: Int) -> Bool {
        var first = dot
        while first > lowerBound, !s[first - 1].properties.isWhitespace { first -= 1 }
        while first < dot, "(\"'[“‘".unicodeScalars.contains(s[first]) { first += 1 }
        let word = string(s, first..<(dot + 1))
        if word.unicodeScalars.count == 2, word.unicodeScalars.first!.properties.isUppercase { return true }
        return abbreviations.contains(word.lowercased())
    }

    /// Maximal runs of non-whitespace in `range`.
    static func wordRanges(_ s: [Unicode.Scalar], in range: Range<Int>) -> [Range<Int>] {
        var words: [Range<Int>] = [], i = range.lowerBound
        while i < range.upperBound {
            while i < range.upperBound, s[i].properties.isWhitespace { i += 1 }
            let start = i
            while i < range.upperBound, !s[i].properties.isWhitespace { i += 1 }
            if start < i { words.append(start..<i) }
        }
        return words
    }
}

fileprivate extension StringProtocol {
    /// The text without leading and trailing spaces and tabs.
    func trimmingWhitespace() -> String {
        String(drop(while: { $0 == " " || $0 == "\t" }).reversed().drop(while: { $0 == " " || $0 == "\t" }).reversed())
    }
}

extension TextChunker {
    /// The sentences of `text`, split where chunking splits them (abbreviations and initials kept
    /// inside their sentence), without surrounding whitespace.
    public static func sentences(of text: String) -> [String] {
        let s = Array(text.unicodeScalars)
        return sentenceRanges(s, in: 0..<s.count).map { string(s, $0) }
    }
}
