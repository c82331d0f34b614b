import Foundation

/// TREC run files: one `qid Q0 docid rank score tag` line per retrieved document, separated by
/// spaces or tabs (the format trec_eval and pytrec_eval's tools read).
extension Run {
    /// Reads a TREC run file in chunks. Documents keep the file's line order within each query;
    /// the rank column is ignored, as trec_eval ignores it (it ranks by score). Blank lines are skipped.
    /// - Throws: `EvaluationError.badFile` naming the file and line of a line without six columns, a
    ///   score that is not a number, or a document listed twice for one query (trec_eval rejects that too).
    public init(contentsOfTREC url: URL) throws {
        let path = url.path
        var order: [String] = []
        var rankings: [String: [RetrievedDocument]] = [:]
        var firstLine: [String: [String: Int]] = [:]   // query → document → line it was listed on
        try LineReader(url: url).forEachLine { bytes, line in
            if LineReader.isBlank(bytes) { return }
            guard let text = LineReader.string(bytes) else {
                throw EvaluationError.badFile(path: path, line: line, reason: "not valid UTF-8")
            }
            let fields = text.split { $0 == " " || $0 == "\t" }
            guard fields.count == 6 else {
                throw EvaluationError.badFile(path: path, line: line,
                                              reason: "expected 6 columns (qid Q0 docid rank score tag), found \(fields.count)")
            }
            let query = String(fields[0]), document = String(fields[2])
            guard let score = Double(fields[4]), !score.isNaN else {
                throw EvaluationError.badFile(path: path, line: line, reason: "score \"\(fields[4])\" is not a number")
            }
            if let earlier = firstLine[query]?[document] {
                throw EvaluationError.badFile(path: path, line: line,
                                              reason: "document \"\(document)\" listed twice for query \"\(query)\" (first on line \(earlier))")
            }
            firstLine[query, default: [:]][document] = line
            if rankings[query] == nil { order.append(query) }
            rankings[query, default: []].append(RetrievedDocument(id: document, score: score))
        }
        self.init(order.map { ($0, rankings[$0] ?? []) })
    }

    /// Writes the run as a TREC run file: queries in `queryIds` order, each ranking in its stored order
    /// with ranks 1, 2, … and scores in Swift's shortest round-trip form, so `init(contentsOfTREC:)`
    /// reads back the same run. Queries with an empty ranking produce no lines.
    /// - Parameter tag: the run tag written in the last column (no whitespace).
    /// - Throws: `EvaluationError.invalidArgument` for an id or tag that is empty or contains
    ///   whitespace (the format cannot hold it); `EvaluationError.badFile` when writing fails.
    public func writeTREC(to url: URL, tag: String = "ragtune") throws {
        try Self.checkToken(tag, what: "run tag")
        for queryId in queryIds {
            try Self.checkToken(queryId, what: "query id")
            for document in self[queryId] ?? [] { try Self.checkToken(document.id, what: "document id") }
        }
        guard FileManager.default.createFile(atPath: url.path, contents: nil),
              let handle = try? FileHandle(forWritingTo: url) else {
            throw EvaluationError.badFile(path: url.path, line: nil, reason: "cannot create file")
        }
        defer { try? handle.close() }
        var buffer = ""
        do {
            for queryId in queryIds {
                for (position, document) in (self[queryId] ?? []).enumerated() {
                    buffer += "\(queryId) Q0 \(document.id) \(position + 1) \(document.score) \(tag)\n"
                    if buffer.utf8.count >= 1 << 20 {
                        try handle.write(contentsOf: Data(buffer.utf8))
                        buffer = ""
                    }
                }
            }
            try handle.write(contentsOf: Data(buffer.utf8))
        } catch {
            throw EvaluationError.badFile(path: url.path, line: nil, reason: "write failed (\(error.localizedDescription))")
        }
    }

    /// Rejects text that cannot be one whitespace-separated TREC column.
    static func checkToken(_ token: String, what: String) throws {
        if token.isEmpty || token.contains(where: \.isWhitespace) {
            throw EvaluationError.invalidArgument("\(what) \"\(token)\" cannot be written to a TREC run file (empty or contains whitespace)")
        }
    }
}
