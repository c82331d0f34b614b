import Foundation

/// Relevance judgments: for each query id, the judged documents and their integer relevance.
///
/// Relevance ≤ 0 means "judged non-relevant" for recall, precision, MAP and MRR, and gives no gain
/// in nDCG; values above 1 are graded gains for nDCG (trec_eval's `ndcg_cut`).
public struct Qrels: Sendable {
    /// Relevance by query id, then document id.
    public private(set) var judgments: [String: [String: Int]]

    public init(_ judgments: [String: [String: Int]] = [:]) {
        self.judgments = judgments
    }

    /// Loads a qrels file, reading it in chunks. Two layouts are accepted, line by line:
    /// - BEIR TSV: `query-id<TAB>corpus-id<TAB>score`, with an optional header line (a first line
    ///   whose score column is not an integer is taken as the header);
    /// - TREC qrels: `qid iteration docid relevance`, separated by spaces or tabs (iteration ignored).
    ///
    /// Blank lines are skipped. As in BEIR's loader (a Python dict), a repeated (query, document)
    /// pair keeps the last relevance.
    /// - Throws: `EvaluationError.badFile` naming the file and line of a wrong column count or a
    ///   relevance that is not an integer.
    public init(contentsOf url: URL) throws {
        self.init()
        let path = url.path
        var sawContent = false
        try LineReader(url: url).forEachLine { bytes, line in
            if LineReader.isBlank(bytes) { return }
            guard let text = LineReader.string(bytes) else {
                throw EvaluationError.badFile(path: path, line: line, reason: "not valid UTF-8")
            }
            let isFirst = !sawContent
            sawContent = true
            let columns = Self.columns(of: text)
            guard let (query, document, score) = columns else {
                throw EvaluationError.badFile(path: path, line: line, reason:
                    "expected 3 tab-separated columns (query-id, corpus-id, score) or 4 TREC columns (qid iteration docid relevance)")
            }
            guard let relevance = Int(score) else {
                if isFirst { return }  // header line, e.g. `query-id\tcorpus-id\tscore`
                throw EvaluationError.badFile(path: path, line: line, reason: "relevance \"\(score)\" is not an integer")
            }
            guard !query.isEmpty, !document.isEmpty else {
                throw EvaluationError.badFile(path: path, line: line, reason: "empty query or document id")
            }
            judgments[query, default: [:]][document] = relevance
        }
    }

    /// (query, document, relevance) of a BEIR TSV line or a TREC qrels line, fields trimmed.
    static func columns(of line: String) -> (String, String, String)? {
        let tabbed = line.split(separator: "\t", omittingEmptySubsequences: false)
        if tabbed.count == 3 {
            let fields = tabbed.map { $0.trimmingCharacters(in: .whitespaces) }
            return (fields[0], fields[1], fields[2])
        }
        let words = line.split { $0 == " " || $0 == "\t" }.map(String.init)
        switch words.count {
        case 3: return (words[0], words[1], words[2])
        case 4: return (words[0], words[2], words[3])
        default: return nil
        }
    }

    /// The judged documents of a query, or `nil` when the query has no judgments.
    public subscript(queryId: String) -> [String: Int]? {
        judgments[queryId]
    }

    /// Query ids, sorted by their UTF-8 bytes.
    public var queryIds: [String] {
        judgments.keys.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
    }

    /// Number of (query, document) judgments.
    public var count: Int {
        judgments.values.reduce(0) { $0 + $1.count }
    }

    /// Sets the relevance of one document for one query.
    public mutating func setRelevance(_ relevance: Int, query: String, document: String) {
        judgments[query, default: [:]][document] = relevance
    }
}
