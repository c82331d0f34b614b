import Foundation
import RagTuneModels
import RagTuneTokenizers

/// Scores of given replies to one prompt.
public struct ContinuationScores: Sendable {
    /// Tokens of the prompt the replies followed.
    public var promptTokens: Int
    /// For each reply: the summed log-probability of its tokens and of the end-of-reply token, and
    /// how many tokens that was (for length normalization).
    public var replies: [(logProbability: Double, tokens: Int)]

    public init(promptTokens: Int, replies: [(logProbability: Double, tokens: Int)]) {
        self.promptTokens = promptTokens
        self.replies = replies
    }
}

/// A generator that can score given replies instead of writing one: the log-probability of each
/// continuation (its tokens, then the end of the reply) after `messages`.
public protocol ContinuationScorer: AnyObject {
    func logProbabilities(_ messages: [ChatMessage], of continuations: [String]) throws -> ContinuationScores
    /// The log-probability of each token of `text` written right after `prompt`, both plain text (no
    /// chat template; neither is read for control tokens), with the UTF-8 byte range of `text` each
    /// token stands for, in order.
    func tokenLogProbabilities(of text: String, after prompt: String) throws -> [(bytes: Range<Int>, logProbability: Double)]
}

extension LocalGenerator: ContinuationScorer {
    public func logProbabilities(_ messages: [ChatMessage], of continuations: [String]) throws -> ContinuationScores {
        guard let end = generator.tokenizer.imEndId else {
            throw ModelError.invalidInput("the chat template has no end-of-turn token to score replies with")
        }
        let prompt = generator.promptIds(for: messages)
        let scores = try generator.continuationLogProbabilities(prompt: prompt, continuations: continuations.map {
            generator.tokenizer.encode($0) + [end]
        })
        return ContinuationScores(promptTokens: prompt.count, replies: scores.map { (logProbability: $0.reduce(0, +), tokens: $0.count) })
    }

    public func tokenLogProbabilities(of text: String, after prompt: String) throws -> [(bytes: Range<Int>, logProbability: Double)] {
        let tokenizer = generator.tokenizer
        let ids = tokenizer.encode(text)
        guard !ids.isEmpty else { return [] }
        let scores = try generator.continuationLogProbabilities(prompt: tokenizer.encode(prompt), continuations: [ids])[0]
        var offset = 0
        return zip(ids, scores).map { id, logProbability in
            let count = tokenizer.bytes(of: id).count
            defer { offset += count }
            return (bytes: offset..<offset + count, logProbability: logProbability)
        }
    }
}
