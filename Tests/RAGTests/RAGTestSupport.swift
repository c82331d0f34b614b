import Foundation
import RagTuneRetrieval
import RagTuneStorage
import RagTuneTokenizers
@testable import RagTuneRAG

/// A generator that replies with scripted text and counts one token per word, recording the
/// messages it was given: the pipeline's logic is tested without a model.
final class ScriptedGenerator: AnswerGenerator {
    var reply: String
    private(set) var received: [[ChatMessage]] = []
    let name = "scripted"
    let contextTokens: Int

    init(reply: String, contextTokens: Int = 4096) {
        self.reply = reply
        self.contextTokens = contextTokens
    }

    func countTokens(_ messages: [ChatMessage]) -> Int { messages.map { countTokens($0.content) + 4 }.reduce(2, +) }
    func countTokens(_ text: String) -> Int { text.split(whereSeparator: \.isWhitespace).count }

    private(set) var stops: [[String]] = []

    func generate(_ messages: [ChatMessage], maxTokens: Int, stop: [String], onText: (String) -> Void) throws -> GeneratedAnswer {
        received.append(messages)
        stops.append(stop)
        onText(reply)
        return GeneratedAnswer(text: reply, promptTokens: countTokens(messages), completionTokens: countTokens(reply),
                               promptSeconds: 0, generateSeconds: 0)
    }
}

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
