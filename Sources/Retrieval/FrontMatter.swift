/// The YAML front matter of a Markdown file (Jekyll/Hugo/Obsidian style): a block between a first
/// line `---` and the next `---` (or `...`) line. Only the flat subset such files use is read:
/// `key: value`, `key: [a, b]`, and `key:` followed by `- item` lines; quotes around values are
/// removed. Anything else (nested maps, multi-line strings) is kept as its raw text.
struct FrontMatter: Equatable {
    /// Each key's values (one for a scalar, several for a list), in file order of keys.
    var fields: [(key: String, values: [String])]
    /// The text after the closing line.
    var body: String

    static func == (a: FrontMatter, b: FrontMatter) -> Bool {
        a.body == b.body && a.fields.map(\.key) == b.fields.map(\.key) && a.fields.map(\.values) == b.fields.map(\.values)
    }

    /// The values of `key` (case-insensitive), or nil when absent.
    func values(_ key: String) -> [String]? {
        fields.first { $0.key.lowercased() == key.lowercased() }?.values
    }

    /// Parses the front matter at the start of `text`; nil when there is none (no `---` first
    /// line, or no closing line).
    static func parse(_ text: String) -> FrontMatter? {
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false)[...]
        guard let first = lines.first, first.trimmingTrailingSpaces() == "---" else { return nil }
        lines = lines.dropFirst()
        guard let close = lines.firstIndex(where: { ["---", "..."].contains($0.trimmingTrailingSpaces()) }) else { return nil }
        var fields: [(key: String, values: [String])] = []
        for line in lines[..<close] {
            let trimmed = line.trimmingSpaces()
            if trimmed.isEmpty || trimmed.hasPrefix("#") { continue }
            if trimmed.hasPrefix("- "), !fields.isEmpty, line.first == " " || line.first == "-" {
                fields[fields.count - 1].values.append(unquote(trimmed.dropFirst(2).trimmingSpaces()))
                continue
            }
            guard let colon = trimmed.firstIndex(of: ":") else { continue }
            let key = trimmed[..<colon].trimmingSpaces()
            let value = trimmed[trimmed.index(after: colon)...].trimmingSpaces()
            guard !key.isEmpty else { continue }
            if value.hasPrefix("["), value.hasSuffix("]") {
                let items = value.dropFirst().dropLast().split(separator: ",").map { unquote($0.trimmingSpaces()) }
                fields.append((key, items.filter { !$0.isEmpty }))
            } else {
                fields.append((key, value.isEmpty ? [] : [unquote(value)]))
            }
        }
        return FrontMatter(fields: fields, body: lines[lines.index(after: close)...].joined(separator: "\n"))
    }

    private static func unquote(_ s: String) -> String {
        for quote in ["\"", "'"] where s.count >= 2 && s.hasPrefix(quote) && s.hasSuffix(quote) {
            return String(s.dropFirst().dropLast())
        }
        return s
    }
}

private extension Substring {
    func trimmingSpaces() -> String {
        String(drop { $0 == " " || $0 == "\t" || $0 == "\r" }.reversed().drop { $0 == " " || $0 == "\t" || $0 == "\r" }.reversed())
    }

    func trimmingTrailingSpaces() -> String {
        String(reversed().drop { $0 == " " || $0 == "\t" || $0 == "\r" }.reversed())
    }
}
