import Foundation

/// One document of a BEIR `corpus.jsonl`.
public struct BEIRDocument: Sendable, Hashable {
    /// The `_id` field, as text even when the file stores a number.
    public var id: String
    /// The `title` field; empty when missing or `null` (BEIR treats it as optional).
    public var title: String
    /// The `text` field (required).
    public var text: String
    /// Every other field whose value is a string or a number (numbers as their decimal text),
    /// plus the string/number fields of a nested `"metadata": {...}` object (top-level keys win).
    public var metadata: [String: String]

    public init(id: String, title: String = "", text: String, metadata: [String: String] = [:]) {
        self.id = id
        self.title = title
        self.text = text
        self.metadata = metadata
    }
}

/// A BEIR corpus: `corpus.jsonl`, one `{"_id", "title", "text", ...}` object a line, blank lines skipped.
///
/// Like BEIR's `GenericDataLoader`, a repeated `_id` replaces the earlier document (which keeps its
/// position); `duplicateCount` says how often that happened so callers can warn.
public struct BEIRCorpus: Sendable {
    /// Documents in file order.
    public private(set) var documents: [BEIRDocument]
    /// How many lines repeated an earlier `_id`.
    public private(set) var duplicateCount = 0
    private var positions: [String: Int] = [:]

    public init(documents: [BEIRDocument] = []) {
        self.documents = []
        for document in documents { append(document) }
    }

    /// Loads a whole `corpus.jsonl`, reading it in chunks.
    /// - Throws: `EvaluationError.badFile` naming the file and line of the first malformed line.
    public init(contentsOf url: URL) throws {
        self.init()
        try Self.forEachDocument(in: url) { document, _ in append(document) }
    }

    public var count: Int { documents.count }

    /// The document with this `_id`, if any.
    public subscript(id: String) -> BEIRDocument? {
        positions[id].map { documents[$0] }
    }

    /// Adds a document, replacing (in place) an earlier one with the same id.
    public mutating func append(_ document: BEIRDocument) {
        if let position = positions[document.id] {
            documents[position] = document
            duplicateCount += 1
        } else {
            positions[document.id] = documents.count
            documents.append(document)
        }
    }

    /// Streams a `corpus.jsonl` without keeping it: `body` gets each document and its 1-based line.
    /// Duplicate ids are passed on as they come.
    /// - Throws: `EvaluationError.badFile` (file and line) for invalid JSON, a missing `_id` or `text`,
    ///   or fields of the wrong type; whatever `body` throws.
    public static func forEachDocument(in url: URL, _ body: (BEIRDocument, Int) throws -> Void) throws {
        let path = url.path
        try LineReader(url: url).forEachLine { bytes, line in
            if LineReader.isBlank(bytes) { return }
            let object = try JSONValue.object(line: bytes, path: path, line: line)
            let id = try JSONValue.identifier(in: object, path: path, line: line)
            let text = try JSONValue.string("text", in: object, path: path, line: line)
            var title = ""
            switch object["title"] {
            case nil, .null?: break
            case let value?:
                guard let scalar = value.scalarText else {
                    throw EvaluationError.badFile(path: path, line: line,
                                                  reason: "field \"title\" must be a string, found \(value.typeName)")
                }
                title = scalar
            }
            try body(BEIRDocument(id: id, title: title, text: text, metadata: metadata(of: object)), line)
        }
    }

    /// String and number fields other than `_id`, `title` and `text`, with a nested `metadata` object flattened.
    static func metadata(of object: [String: JSONValue]) -> [String: String] {
        var result: [String: String] = [:]
        if case .object(let nested)? = object["metadata"] {
            for (key, value) in nested { if let text = value.scalarText { result[key] = text } }
        }
        for (key, value) in object where !["_id", "title", "text"].contains(key) {
            if let text = value.scalarText { result[key] = text }
        }
        return result
    }
}
