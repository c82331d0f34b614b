/// A path glob: `*` matches any run of characters except `/`, `**` any run including `/`
/// (`**/` also matches no folder at all, so `**/*.md` matches `a.md`), `?` one character except `/`.
/// A pattern without `/` is matched against the file name only (as in `.gitignore`), so `*.md`
/// matches `docs/guide.md`. Matching is case-sensitive.
public struct GlobPattern: Sendable, Hashable {
    public let pattern: String
    let scalars: [Unicode.Scalar]

    public init(_ pattern: String) {
        self.pattern = pattern
        self.scalars = Array(pattern.unicodeScalars)
    }

    /// Whether `relativePath` (with `/` separators) matches.
    public func matches(_ relativePath: String) -> Bool {
        var target = Substring(relativePath)
        if !scalars.contains("/"), let slash = relativePath.lastIndex(of: "/") {
            target = relativePath[relativePath.index(after: slash)...]
        }
        let text = Array(target.unicodeScalars)
        var memo = [Int: Bool]()
        return match(0, 0, text, &memo)
    }

    private func match(_ p: Int, _ t: Int, _ text: [Unicode.Scalar], _ memo: inout [Int: Bool]) -> Bool {
        let key = p * (text.count + 1) + t
        if let known = memo[key] { return known }
        let result: Bool
        if p == scalars.count {
            result = t == text.count
        } else if scalars[p] == "*" {
            let double = p + 1 < scalars.count && scalars[p + 1] == "*"
            if double {
                let afterStars = p + 2
                // `**/` may match zero folders.
                if afterStars < scalars.count, scalars[afterStars] == "/", match(afterStars + 1, t, text, &memo) {
                    result = true
                } else {
                    result = (t...text.count).contains { match(afterStars, $0, text, &memo) }
                }
            } else {
                var end = t
                while end < text.count, text[end] != "/" { end += 1 }
                result = (t...end).contains { match(p + 1, $0, text, &memo) }
            }
        } else if t < text.count, scalars[p] == "?" ? text[t] != "/" : scalars[p] == text[t] {
            result = match(p + 1, t + 1, text, &memo)
        } else {
            result = false
        }
        memo[key] = result
        return result
    }
}
