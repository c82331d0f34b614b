import Foundation
import RagTuneModels
import RagTuneTokenizers

/// A generator that can score given replies instead of writing one: the log-probability of each
/// continuation (its tokens, then the end of the reply) after `messages`.
public protocol ContinuationScorer: AnyObject {
    /// For each continuation: the summed log-probability of its tokens and of the end-of-reply
    /// token, and how many tokens that was (for length normalization).
    func logProbabilities(_ messages: [ChatMessage], of continuations: [String]) throws -> [(logProbability: Double, tokens: Int)]
}

extension LocalGenerator: ContinuationScorer {
    public func logProbabilities(_ messages: [ChatMessage], of continuations: [String]) throws
        -> [(logProbability: Double, tokens: Int)] {
        guard let end = generator.tokenizer.imEndId else {
            throw ModelError.invalidInput("the chat template has no end-of-turn token to score replies with")
        }
        let prompt = generator.promptIds(for: messages)
        return try generator.continuationLogProbabilities(prompt: prompt, continuations: continuations.map {
            generator.tokenizer.encode($0) + [end]
        }).map { (logProbability: $0.reduce(0, +), tokens: $0.count) }
    }
}
