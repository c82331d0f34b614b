import Foundation

/// One question with its reference answer.
public struct QAPair: Sendable, Hashable {
    public var id: String
    public var question: String
    public var answer: String
    /// Other string, number or boolean fields (`article`, `kind`, `answer_v2`, …) as text.
    public var fields: [String: String]

    public init(id: String, question: String, answer: String, fields: [String: String] = [:]) {
        self.id = id
        self.question = question
        self.answer = answer
        self.fields = fields
    }
}

/// A QA file: one `{"id", "question", "answer", ...}` object a line (`id` a string or number),
/// blank lines skipped.
public struct QADataset: Sendable {
    public var pairs: [QAPair]

    public init(pairs: [QAPair]) {
        self.pairs = pairs
    }

    /// - Throws: `EvaluationError.badFile` naming the file and line of invalid JSON, a missing or
    ///   mistyped `id`, `question` or `answer`, an empty question or answer, or a repeated id.
    public init(contentsOf url: URL) throws {
        let path = url.path
        var pairs: [QAPair] = [], seen = Set<String>()
        try LineReader(url: url).forEachLine { bytes, line in
            if LineReader.isBlank(bytes) { return }
            let object = try JSONValue.object(line: bytes, path: path, line: line)
            let id = try JSONValue.identifier(in: object, key: "id", path: path, line: line)
            let question = try JSONValue.string("question", in: object, path: path, line: line)
            let answer = try JSONValue.string("answer", in: object, path: path, line: line)
            for (key, value) in [("question", question), ("answer", answer)]
            where value.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
                throw EvaluationError.badFile(path: path, line: line, reason: "field \"\(key)\" is empty")
            }
            guard seen.insert(id).inserted else {
                throw EvaluationError.badFile(path: path, line: line, reason: "id \(id) repeats an earlier line")
            }
            var fields: [String: String] = [:]
            for (key, value) in object where !["id", "question", "answer"].contains(key) {
                if let text = value.scalarText { fields[key] = text } else if case .bool(let flag) = value { fields[key] = String(flag) }
            }
            pairs.append(QAPair(id: id, question: question, answer: answer, fields: fields))
        }
        guard !pairs.isEmpty else { throw EvaluationError.badFile(path: path, line: nil, reason: "no QA pairs") }
        self.pairs = pairs
    }
}
