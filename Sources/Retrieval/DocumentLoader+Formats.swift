import Foundation

/// Per-format parsing of already-decoded file text.
extension DocumentLoader {
    /// `.txt` and `.pdf`: title = first non-empty line (trimmed), else the file name.
    static func plainDocument(id: String, path: String, text: String, format: DocumentFormat) -> SourceDocument {
        let firstLine = text.split(separator: "\n").lazy
            .map { $0.trimmingCharacters(in: .whitespaces) }.first { !$0.isEmpty }
        return SourceDocument(id: id, sourcePath: path, title: firstLine ?? fileName(path), text: text, format: format)
    }

    /// `.md`: title = the front matter's `title`, else the text of the first `# ` heading, else the
    /// file name; headings stay in the text. YAML front matter (see `FrontMatter`) is taken out of
    /// the text: `acl` (a list of strings) becomes the ACL, other keys metadata (lists joined with ", ").
    /// - Throws: `RetrievalError.badFile` naming the file and line when the front matter is invalid
    ///   (the file is not indexed: a document whose ACL cannot be read is never stored open).
    static func markdownDocument(id: String, path: String, text: String) throws -> SourceDocument {
        let front: FrontMatter?, acl: [String], givenTitle: String?
        do {
            front = try FrontMatter.parse(text)
            acl = try front?.acl ?? []
            givenTitle = try front?.title
        } catch let invalid as FrontMatter.Invalid {
            throw RetrievalError.badFile(path: path, line: invalid.line, reason: invalid.reason)
        }
        let body = front?.body ?? text
        let heading = body.split(separator: "\n").lazy
            .map { $0.trimmingCharacters(in: .whitespaces) }
            .first { $0.hasPrefix("# ") }
            .map { String($0.dropFirst(2)).trimmingCharacters(in: .whitespaces) }
        let title = givenTitle ?? heading.flatMap { $0.isEmpty ? nil : $0 } ?? fileName(path)
        var metadata: [String: String] = [:]
        for (key, values) in front?.fields ?? [] where !["acl", "title"].contains(key.lowercased()) {
            metadata[key] = values.joined(separator: ", ")
        }
        return SourceDocument(id: id, sourcePath: path, title: title, text: body, metadata: metadata, acl: acl,
                              format: .markdown)
    }

    /// `.html`: text by `HTMLTextExtractor`; title = `<title>`, else the first heading, else the file name.
    static func htmlDocument(id: String, path: String, html: String) -> SourceDocument {
        let (title, text) = HTMLTextExtractor.extract(html)
        let heading = text.split(separator: "\n").first { $0.hasPrefix("#") }
            .map { String($0.drop(while: { $0 == "#" })).trimmingCharacters(in: .whitespaces) }
        return SourceDocument(id: id, sourcePath: path, title: title ?? heading ?? fileName(path), text: text,
                              format: .html)
    }

    /// `.jsonl` in the BEIR corpus layout: one object per line with `_id` (string or number),
    /// optional `title` and `text`, an optional `acl` array of strings, and any other string, number
    /// or boolean fields as metadata (one level of nested objects is flattened as `key.sub`).
    /// Blank lines are skipped.
    /// - Returns: one document per good line, and one `badFile` error (with line number) per bad line.
    static func jsonlDocuments(path: String, text: String) -> ([SourceDocument], [RetrievalError]) {
        let decoder = JSONDecoder()
        var documents: [SourceDocument] = [], errors: [RetrievalError] = []
        for (index, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            guard !line.allSatisfy(\.isWhitespace) else { continue }
            let lineNumber = index + 1
            func bad(_ reason: String) { errors.append(.badFile(path: path, line: lineNumber, reason: reason)) }
            guard case .object(let fields)? = try? decoder.decode(JSONValue.self, from: Data(line.utf8)) else {
                bad("not a JSON object")
                continue
            }
            guard let id = fields["_id"]?.scalarString, !id.isEmpty else {
                bad("missing \"_id\" (string or number)")
                continue
            }
            var metadata: [String: String] = [:], acl: [String] = []
            if let aclValue = fields["acl"] {
                guard case .array(let items) = aclValue, let names = Optional(items.compactMap(\.scalarString)),
                      names.count == items.count else {
                    bad("\"acl\" must be an array of strings")
                    continue
                }
                acl = names
            }
            for (key, value) in fields where !["_id", "title", "text", "acl"].contains(key) {
                if let string = value.scalarString { metadata[key] = string }
                if case .object(let nested) = value {
                    for (subKey, subValue) in nested { metadata["\(key).\(subKey)"] = subValue.scalarString }
                }
            }
            documents.append(SourceDocument(
                id: id, sourcePath: path, title: fields["title"]?.scalarString ?? "",
                text: normalizeNewlines(fields["text"]?.scalarString ?? ""), metadata: metadata, acl: acl,
                format: .jsonl))
        }
        return (documents, errors)
    }

    static func fileName(_ path: String) -> String { (path as NSString).lastPathComponent }
}

/// A JSON value, decoded without Foundation's `Any` bridging (so numbers and booleans stay distinct).
enum JSONValue: Decodable {
    case string(String), number(Double), bool(Bool), array([JSONValue]), object([String: JSONValue]), null

    init(from decoder: Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() { self = .null }
        else if let value = try? container.decode(Bool.self) { self = .bool(value) }
        else if let value = try? container.decode(Double.self) { self = .number(value) }
        else if let value = try? container.decode(String.self) { self = .string(value) }
        else if let value = try? container.decode([JSONValue].self) { self = .array(value) }
        else { self = .object(try container.decode([String: JSONValue].self)) }
    }

    /// Strings as is, integral numbers without a fraction (`42`), other numbers and booleans as
    /// Swift prints them; nil for null, arrays and objects.
    var scalarString: String? {
        switch self {
        case .string(let value): return value
        case .number(let value):
            if value.rounded() == value, abs(value) < 1e15 { return String(Int64(value)) }
            return String(value)
        case .bool(let value): return String(value)
        case .array, .object, .null: return nil
        }
    }
}
