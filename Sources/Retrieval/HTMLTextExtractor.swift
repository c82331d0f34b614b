/// Plain text from HTML, without a DOM: a single forward scan over the markup.
///
/// - `<script>`, `<style>`, `<noscript>`, `<template>` with their content, comments, `<!…>` and
///   `<?…?>` are dropped; `<title>` is captured as the title, not the text.
/// - Block elements become line breaks (`li`, `tr`, `td`, `br`, …) or blank lines (`p`, `div`,
///   `ul`, `table`, …); `<h1>`…`<h6>` become Markdown heading lines (`## Install`) so the chunker can follow the document structure.
/// - Whitespace runs inside text collapse to one space; blank-line runs collapse to one blank line.
/// - Entities: `&amp; &lt; &gt; &quot; &apos; &#39; &nbsp;` (to U+00A0), a few typographic ones,
///   and numeric `&#NNN;`/`&#xHH;`; unknown entities are kept verbatim.
public enum HTMLTextExtractor {
    static let skippedElements: Set<String> = ["script", "style", "noscript", "template"]
    /// Elements separated from their surroundings by a blank line.
    static let paragraphElements: Set<String> = [
        "article", "aside", "blockquote", "div", "dl", "figure", "footer", "header", "hr", "main", "nav",
        "ol", "p", "pre", "section", "table", "ul",
    ]
    /// Elements that start a new line.
    static let blockElements: Set<String> = [
        "address", "article", "aside", "blockquote", "body", "br", "dd", "details", "div", "dl", "dt",
        "figcaption", "figure", "footer", "form", "header", "hr", "li", "main", "nav", "ol", "p", "pre",
        "section", "summary", "table", "tbody", "td", "tfoot", "th", "thead", "tr", "ul",
    ]
    static let namedEntities: [String: Unicode.Scalar] = [
        "amp": "&", "lt": "<", "gt": ">", "quot": "\"", "apos": "'", "nbsp": "\u{00A0}",
        "ndash": "\u{2013}", "mdash": "\u{2014}", "hellip": "\u{2026}", "copy": "\u{00A9}",
        "reg": "\u{00AE}", "lsquo": "\u{2018}", "rsquo": "\u{2019}", "ldquo": "\u{201C}", "rdquo": "\u{201D}",
    ]

    /// - Returns: the `<title>` content (entity-decoded, trimmed; nil when absent or empty) and the text.
    public static func extract(_ html: String) -> (title: String?, text: String) {
        let s = Array(html.unicodeScalars)
        var out = String.UnicodeScalarView()
        var title: String?
        var raw = String.UnicodeScalarView()   // text since the last tag, not yet decoded
        var i = 0
        func flushText() {
            guard !raw.isEmpty else { return }
            var lastWasSpace = out.last.map { $0 == " " || $0 == "\n" } ?? true
            for scalar in decodeEntities(String(raw)).unicodeScalars {
                if scalar == " " || scalar == "\n" || scalar == "\t" || scalar == "\r" || scalar == "\u{0C}" {
                    if !lastWasSpace { out.append(" ") }
                    lastWasSpace = true
                } else {
                    out.append(scalar)
                    lastWasSpace = false
                }
            }
            raw.removeAll()
        }
        func lineBreak(force: Bool = false) {
            while out.last == " " { out.removeLast() }
            if force || !(out.isEmpty || out.last == "\n") { out.append("\n") }
        }
        func paragraphBreak() {
            lineBreak()
            if !out.isEmpty, out.dropLast().last != "\n" { out.append("\n") }
        }
        while i < s.count {
            guard s[i] == "<" else { raw.append(s[i]); i += 1; continue }
            if hasPrefix(s, at: i, "<!--") {
                i = find(s, "-->", from: i + 4).map { $0 + 3 } ?? s.count
                continue
            }
            if i + 1 < s.count, s[i + 1] == "!" || s[i + 1] == "?" {
                i = find(s, ">", from: i).map { $0 + 1 } ?? s.count
                continue
            }
            let (name, closing, end) = parseTag(s, at: i)
            guard !name.isEmpty else { raw.append(s[i]); i += 1; continue }   // a literal "<"
            flushText()
            i = end
            if !closing, skippedElements.contains(name) || name == "title" {
                let close = findClosingTag(s, name: name, from: i)
                if name == "title", title == nil {
                    let content = decodeEntities(String(String.UnicodeScalarView(s[i..<close.start])))
                    let collapsed = content.split(whereSeparator: { $0.isWhitespace }).joined(separator: " ")
                    title = collapsed.isEmpty ? nil : collapsed
                }
                i = close.end
            } else if name.count == 2, name.first == "h", let level = Int(name.dropFirst()), (1...6).contains(level) {
                paragraphBreak()
                if !closing { out.append(contentsOf: String(repeating: "#", count: level).unicodeScalars + [" "]) }
            } else if name == "br" {
                lineBreak(force: true)
            } else if paragraphElements.contains(name) {
                paragraphBreak()
            } else if blockElements.contains(name) {
                lineBreak()
            }
        }
        flushText()
        return (title, tidyLines(String(out)))
    }

    /// Decodes the entities listed on the type; unknown or malformed ones stay as written.
    public static func decodeEntities(_ text: String) -> String {
        guard text.contains("&") else { return text }
        let s = Array(text.unicodeScalars)
        var out = String.UnicodeScalarView()
        var i = 0
        while i < s.count {
            guard s[i] == "&", let semi = (i + 1..<min(s.count, i + 12)).first(where: { s[$0] == ";" }) else {
                out.append(s[i]); i += 1; continue
            }
            let body = String(String.UnicodeScalarView(s[(i + 1)..<semi]))
            var decoded: Unicode.Scalar?
            if body.hasPrefix("#x") || body.hasPrefix("#X") {
                decoded = UInt32(body.dropFirst(2), radix: 16).flatMap(Unicode.Scalar.init)
            } else if body.hasPrefix("#") {
                decoded = UInt32(body.dropFirst()).flatMap(Unicode.Scalar.init)
            } else {
                decoded = namedEntities[body]
            }
            if let decoded {
                out.append(decoded)
                i = semi + 1
            } else {
                out.append(s[i]); i += 1
            }
        }
        return String(out)
    }

    /// Trims each line and keeps at most one blank line between paragraphs.
    static func tidyLines(_ text: String) -> String {
        var lines: [Substring] = []
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            let trimmed = line.drop(while: { $0 == " " }).reversed().drop(while: { $0 == " " }).reversed()
            let piece = Substring(String(trimmed))
            if piece.isEmpty, lines.last?.isEmpty ?? true { continue }
            lines.append(piece)
        }
        while lines.last?.isEmpty == true { lines.removeLast() }
        return lines.joined(separator: "\n")
    }

    /// Parses `<name …>` or `</name>` at `i`; returns an empty name when `<` does not start a tag.
    static func parseTag(_ s: [Unicode.Scalar], at i: Int) -> (name: String, closing: Bool, end: Int) {
        var j = i + 1
        let closing = j < s.count && s[j] == "/"
        if closing { j += 1 }
        var name = ""
        while j < s.count, s[j].properties.isAlphabetic || (!name.isEmpty && ("0"..."9").contains(s[j])) {
            name.unicodeScalars.append(s[j]); j += 1
        }
        guard !name.isEmpty else { return ("", false, i + 1) }
        var quote: Unicode.Scalar?
        while j < s.count {
            if let q = quote { if s[j] == q { quote = nil } }
            else if s[j] == "\"" || s[j] == "'" { quote = s[j] }
            else if s[j] == ">" { break }
            j += 1
        }
        return (name.lowercased(), closing, min(j + 1, s.count))
    }

    /// The span of `</name …>` at or after `from` (case-insensitive), or the end of the input.
    static func findClosingTag(_ s: [Unicode.Scalar], name: String, from: Int) -> (start: Int, end: Int) {
        var j = from
        while let lt = find(s, "</", from: j) {
            let (tag, closing, end) = parseTag(s, at: lt)
            if closing, tag == name { return (lt, end) }
            j = lt + 2
        }
        return (s.count, s.count)
    }

    static func hasPrefix(_ s: [Unicode.Scalar], at i: Int, _ prefix: String) -> Bool {
        hasPrefix(s, at: i, Array(prefix.unicodeScalars))
    }

    static func hasPrefix(_ s: [Unicode.Scalar], at i: Int, _ p: [Unicode.Scalar]) -> Bool {
        i + p.count <= s.count && zip(s[i...], p).allSatisfy { $0 == $1 }
    }

    static func find(_ s: [Unicode.Scalar], _ needle: String, from: Int) -> Int? {
        let p = Array(needle.unicodeScalars)
        guard let head = p.first else { return from }
        var i = from
        while i < s.count {
            if s[i] == head, hasPrefix(s, at: i, p) { return i }
            i += 1
        }
        return nil
    }
}
