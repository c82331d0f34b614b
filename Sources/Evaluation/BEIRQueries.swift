import Foundation

/// One query of a BEIR `queries.jsonl`.
public struct BEIRQuery: Sendable, Hashable {
    /// The `_id` field, as text even when the file stores a number.
    public var id: String
    /// The `text` field (required).
    public var text: String

    public init(id: String, text: String) {
        self.id = id
        self.text = text
    }
}

/// BEIR queries: `queries.jsonl`, one `{"_id", "text", ...}` object a line, blank lines skipped.
/// Other fields (BEIR's `metadata`) are ignored. As in BEIR's loader, a repeated `_id` replaces the
/// earlier query's text in place; `duplicateCount` counts such lines.
public struct BEIRQueries: Sendable {
    /// Queries in file order.
    public private(set) var queries: [BEIRQuery]
    /// How many lines repeated an earlier `_id`.
    public private(set) var duplicateCount = 0
    private var positions: [String: Int] = [:]

    public init(queries: [BEIRQuery] = []) {
        self.queries = []
        for query in queries { append(query) }
    }

    /// Loads a `queries.jsonl`, reading it in chunks.
    /// - Throws: `EvaluationError.badFile` naming the file and line of an invalid JSON line or of a
    ///   missing or mistyped `_id` or `text`.
    public init(contentsOf url: URL) throws {
        self.init()
        let path = url.path
        try LineReader(url: url).forEachLine { bytes, line in
            if LineReader.isBlank(bytes) { return }
            let object = try JSONValue.object(line: bytes, path: path, line: line)
            let id = try JSONValue.identifier(in: object, path: path, line: line)
            append(BEIRQuery(id: id, text: try JSONValue.string("text", in: object, path: path, line: line)))
        }
    }

    public var count: Int { queries.count }

    /// The query with this `_id`, if any.
    public subscript(id: String) -> BEIRQuery? {
        positions[id].map { queries[$0] }
    }

    /// Adds a query, replacing (in place) an earlier one with the same id.
    public mutating func append(_ query: BEIRQuery) {
        if let position = positions[query.id] {
            queries[position] = query
            duplicateCount += 1
        } else {
            positions[query.id] = queries.count
            queries.append(query)
        }
    }
}
