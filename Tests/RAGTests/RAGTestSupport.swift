import Foundation
import Testing
import RagTuneRetrieval
import RagTuneStorage
import RagTuneTokenizers
@testable import RagTuneRAG

/// A stored chunk for tests.
func storedChunk(_ id: Int64, document: String, text: String, title: String = "", acl: [String] = [],
                 embedding: [Float] = []) -> StoredChunk {
    StoredChunk(id: id, chunk: Chunk(documentID: document, ordinal: 0, text: text, heading: nil, startOffset: 0,
                                     endOffset: text.unicodeScalars.count, tokenCount: 0, prefixLength: 0),
                documentSource: "/docs/\(document)", documentTitle: title, metadata: [:], acl: acl, embedding: embedding)
}

func passage(_ number: Int, _ text: String, title: String = "") -> SourcePassage {
    SourcePassage(number: number, chunk: storedChunk(Int64(number), document: "d\(number)", text: text, title: title),
                  score: 1, similarity: nil)
}

/// A generator that scores answer options — the log-odds of "Yes" vs "No" is looked up by the last
/// user message's final line (the question), so tests set the model's bias and its evidence apart —
/// and copies spans: the first passage containing `copy` (nothing when none does).
final class ScoringGenerator: AnswerGenerator, AnswerOptionScorer, SpanCopier {
    let name = "scoring"
    let contextTokens = 4096
    /// Log-odds of "Yes" by question; unknown questions score 0.
    var logOdds: [String: Float]
    private(set) var scored: [[ChatMessage]] = []
    private(set) var generated = 0
    /// The span `copySpan` returns.
    var copy = ""
    private(set) var copiedFrom: [[String]] = []

    init(logOdds: [String: Float]) { self.logOdds = logOdds }

    func countTokens(_ messages: [ChatMessage]) -> Int { messages.map { countTokens($0.content) + 4 }.reduce(2, +) }
    func countTokens(_ text: String) -> Int { text.split(whereSeparator: \.isWhitespace).count }

    func generate(_ messages: [ChatMessage], maxTokens: Int, stop: [String], onText: (String) -> Void) throws -> GeneratedAnswer {
        generated += 1
        return GeneratedAnswer(text: "generated", promptTokens: 1, completionTokens: 1, promptSeconds: 0, generateSeconds: 0)
    }

    func logOdds(_ messages: [ChatMessage], of first: String, against second: String) throws
        -> (logOdds: Float, promptTokens: Int, seconds: Double) {
        #expect(first == "Yes" && second == "No")
        scored.append(messages)
        let question = messages.last?.content.split(separator: "\n").last.map(String.init) ?? ""
        let asked = question.hasPrefix("Question: ") ? String(question.dropFirst("Question: ".count)) : question
        return (logOdds[asked] ?? 0, countTokens(messages), 0)
    }

    func copySpan(_ messages: [ChatMessage], from passages: [String], maxTokens: Int) throws
        -> (answer: GeneratedAnswer, passages: [Int]) {
        copiedFrom.append(passages)
        let holders = passages.indices.filter { !copy.isEmpty && passages[$0].contains(copy) }
        let text = holders.isEmpty ? "" : copy
        return (GeneratedAnswer(text: text, promptTokens: 1, completionTokens: 1, promptSeconds: 0, generateSeconds: 0), holders)
    }
}
