import RagTuneRAG
import RagTuneTokenizers

/// A generator that replies with scripted text and counts one token per word, recording the
/// messages it was given: the pipeline's logic is tested without a model.
public final class ScriptedGenerator: AnswerGenerator {
    public var reply: String
    public private(set) var received: [[ChatMessage]] = []
    public let name = "scripted"
    public let contextTokens: Int

    public init(reply: String, contextTokens: Int = 4096) {
        self.reply = reply
        self.contextTokens = contextTokens
    }

    public func countTokens(_ messages: [ChatMessage]) -> Int { messages.map { countTokens($0.content) + 4 }.reduce(2, +) }
    public func countTokens(_ text: String) -> Int { text.split(whereSeparator: \.isWhitespace).count }

    public private(set) var stops: [[String]] = []

    public func generate(_ messages: [ChatMessage], maxTokens: Int, stop: [String], onText: (String) -> Void) throws -> GeneratedAnswer {
        received.append(messages)
        stops.append(stop)
        onText(reply)
        return GeneratedAnswer(text: reply, promptTokens: countTokens(messages), completionTokens: countTokens(reply),
                               promptSeconds: 0, generateSeconds: 0)
    }
}
