import Foundation
import RagTuneTokenizers

/// Turns a question into extra search queries (query rewriting / multi-query expansion): the
/// pipeline retrieves with the question and every extra query and fuses the lists by reciprocal
/// rank (RAG-Fusion), so a question phrased unlike its answer still finds it.
public protocol QueryExpander: AnyObject {
    /// - Returns: extra queries, without the question itself.
    func expand(_ question: String) throws -> [String]
}

/// Query expansion by the generator itself: it is asked for `count` differently worded search
/// queries, one per line; numbering, bullets and quotes are stripped, and empty lines, repeats
/// and copies of the question are dropped.
public final class LLMQueryExpander: QueryExpander {
    public let generator: any AnswerGenerator
    /// Extra queries asked for (1 is a plain rewrite).
    public let count: Int
    public var maxTokens = 96

    public init(_ generator: any AnswerGenerator, count: Int) {
        self.generator = generator
        self.count = count
    }

    /// The conversation asking for the queries.
    public func messages(_ question: String) -> [ChatMessage] {
        let what = count == 1 ? "one search query" : "\(count) different search queries"
        return [
            .system("Rewrite the user's question as \(what) for a search engine that finds passages answering it. "
                    + "Use other words than the question where you can. Write one query per line and nothing else."),
            .user(question),
        ]
    }

    public func expand(_ question: String) throws -> [String] {
        let reply = try generator.generate(messages(question), maxTokens: maxTokens) { _ in }
        return Self.queries(in: reply.text, question: question, limit: count)
    }

    /// The queries in a reply: one per line, list markers and quotes removed, no repeats and no
    /// copy of the question.
    public static func queries(in reply: String, question: String, limit: Int) -> [String] {
        var seen: Set<String> = [normalized(question)], result: [String] = []
        for line in reply.split(whereSeparator: \.isNewline) {
            let query = String(line)
                .replacing(#/^\s*(?:\d{1,2}[.):]|[-*•])\s*/#, with: "")
                .trimmingCharacters(in: CharacterSet(charactersIn: "\"'“”` ").union(.whitespaces))
            guard query.count >= 3, seen.insert(normalized(query)).inserted else { continue }
            result.append(query)
            if result.count == limit { break }
        }
        return result
    }

    private static func normalized(_ text: String) -> String {
        text.lowercased().filter { $0.isLetter || $0.isNumber }
    }
}
