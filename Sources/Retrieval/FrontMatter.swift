import Foundation
import Yams

/// The YAML front matter of a Markdown file (Jekyll/Hugo/Obsidian style): a block between a first
/// line `---` and the next `---` (or `...`) line, parsed as YAML by Yams.
///
/// Fail closed: front matter that is opened but never closed, is not valid YAML, or is not a
/// mapping is an error (the file is not indexed), never a guess, because it may carry the
/// document's ACL. Scalars keep the text as written (`2024-01-05` stays a string).
struct FrontMatter: Equatable {
    /// Each key's values (one for a scalar, several for a list, none for null), in file order of
    /// keys; nested mappings are flattened to `key.sub`.
    var fields: [(key: String, values: [String])]
    /// The text after the closing line.
    var body: String

    /// Why front matter was refused; `line` is 1-based in the file.
    struct Invalid: Error, Equatable {
        var line: Int?
        var reason: String
    }

    static func == (a: FrontMatter, b: FrontMatter) -> Bool {
        a.body == b.body && a.fields.map(\.key) == b.fields.map(\.key) && a.fields.map(\.values) == b.fields.map(\.values)
    }

    /// The values of `key` (case-insensitive), or nil when absent.
    func values(_ key: String) -> [String]? {
        fields.first { $0.key.lowercased() == key.lowercased() }?.values
    }

    /// The ACL: `acl` must be a list of strings (`acl: [research-board, ceo]` or `- item` lines);
    /// absent or an empty list means everyone.
    /// - Throws: `Invalid` when `acl` is a single string or holds something other than strings.
    var acl: [String] {
        get throws {
            guard let node = nodes.first(where: { $0.key.lowercased() == "acl" })?.value else { return [] }
            guard case .sequence(let items) = node else {
                if node.null != nil { return [] }
                throw Invalid(line: node.mark.map { $0.line + 1 }, reason: "front matter \"acl\" must be a list of strings, "
                              + "e.g. acl: [research-board, ceo]")
            }
            return try items.map { item in
                guard case .scalar(let scalar) = item, item.null == nil,
                      !scalar.string.trimmingCharacters(in: .whitespaces).isEmpty else {
                    throw Invalid(line: item.mark.map { $0.line + 1 }, reason: "front matter \"acl\" must be a list of "
                                  + "non-empty strings")
                }
                return scalar.string.trimmingCharacters(in: .whitespaces)
            }
        }
    }

    /// The `title` when it is a string.
    /// - Throws: `Invalid` when `title` is a list or mapping.
    var title: String? {
        get throws {
            guard let node = nodes.first(where: { $0.key.lowercased() == "title" })?.value else { return nil }
            guard case .scalar(let scalar) = node else {
                throw Invalid(line: node.mark.map { $0.line + 1 }, reason: "front matter \"title\" must be a string")
            }
            return node.null != nil || scalar.string.isEmpty ? nil : scalar.string
        }
    }

    /// The top-level entries as parsed, for `acl` and `title`. (Yams marks are 1-based lines of
    /// the YAML, whose first line is the file's second: hence `line + 1` in messages.)
    private var nodes: [(key: String, value: Node)]

    /// Parses the front matter at the start of `text`.
    /// - Returns: nil when the text does not start with a `---` line.
    /// - Throws: `Invalid` when it starts one that is never closed, is not valid YAML, or is not a
    ///   mapping of string keys.
    static func parse(_ text: String) throws -> FrontMatter? {
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false)[...]
        guard let first = lines.first, first.trimmingTrailingSpaces() == "---" else { return nil }
        lines = lines.dropFirst()
        guard let close = lines.firstIndex(where: { ["---", "..."].contains($0.trimmingTrailingSpaces()) }) else {
            throw Invalid(line: 1, reason: "front matter opened by \"---\" is never closed (add a \"---\" line after it)")
        }
        let yaml = lines[..<close].joined(separator: "\n")
        let root: Node?
        do { root = try Yams.compose(yaml: yaml) } catch {
            throw Invalid(line: nil, reason: "front matter is not valid YAML: \(Self.describe(error))")
        }
        var nodes: [(key: String, value: Node)] = []
        switch root {
        case nil: break
        case .mapping(let mapping)?:
            for (key, value) in mapping {
                guard case .scalar(let keyScalar) = key, !keyScalar.string.isEmpty else {
                    throw Invalid(line: key.mark.map { $0.line + 1 }, reason: "front matter keys must be strings")
                }
                nodes.append((keyScalar.string, value))
            }
        case .some(let other):
            if other.null != nil { break }
            throw Invalid(line: 2, reason: "front matter must be a mapping of keys to values (key: value lines)")
        }
        var fields: [(key: String, values: [String])] = []
        for (key, value) in nodes { flatten(key, value, into: &fields) }
        return FrontMatter(fields: fields, body: lines[lines.index(after: close)...].joined(separator: "\n"), nodes: nodes)
    }

    private init(fields: [(key: String, values: [String])], body: String, nodes: [(key: String, value: Node)]) {
        self.fields = fields
        self.body = body
        self.nodes = nodes
    }

    /// Scalars as written, lists of scalars as several values, mappings as `key.sub` entries, and
    /// anything deeper as its YAML text.
    private static func flatten(_ key: String, _ node: Node, into fields: inout [(key: String, values: [String])]) {
        switch node {
        case .scalar(let scalar):
            fields.append((key, node.null != nil ? [] : [scalar.string]))
        case .sequence(let items):
            let scalars = items.compactMap { item -> String? in if case .scalar(let s) = item { return s.string } else { return nil } }
            fields.append((key, scalars.count == items.count ? scalars : [yamlText(node)]))
        case .mapping(let mapping):
            for (subKey, value) in mapping {
                flatten("\(key).\(subKey.string ?? yamlText(subKey))", value, into: &fields)
            }
        case .alias:
            fields.append((key, [yamlText(node)]))
        }
    }

    private static func yamlText(_ node: Node) -> String {
        ((try? Yams.serialize(node: node)) ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
    }

    private static func describe(_ error: Error) -> String {
        "\(error)".split(separator: "\n").first.map(String.init) ?? "\(error)"
    }
}

private extension Substring {
    func trimmingTrailingSpaces() -> String {
        String(reversed().drop { $0 == " " || $0 == "\t" || $0 == "\r" }.reversed())
    }
}
