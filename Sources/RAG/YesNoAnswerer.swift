import Foundation
import RagTuneTokenizers

/// A generator that can score how much more likely one reply start is than another.
public protocol AnswerOptionScorer: AnyObject {
    /// log P(reply starts with `first`) − log P(reply starts with `second`) after `messages`,
    /// compared at the first token of each, with what the prompt cost.
    func logOdds(_ messages: [ChatMessage], of first: String, against second: String) throws
        -> (logOdds: Float, promptTokens: Int, seconds: Double)
}

/// Answers yes/no questions by scoring instead of free generation: the model's log-odds of
/// replying "Yes" rather than "No", minus the same log-odds for a content-free question ("N/A")
/// in the same prompt — contextual calibration (Zhao et al. 2021, "Calibrate Before Use"), which
/// removes the preference for one word that the prompt itself gives the model. Small models
/// otherwise answer nearly every yes/no question with the same word.
///
/// Every strategy uses the same answerer, so a comparison measures what the sources add.
public struct YesNoAnswerer: Sendable {
    /// What replaces the question to measure the prompt's own bias.
    public var contentFreeQuestion = "N/A"

    public init() {}

    /// Words that open a yes/no question ("Is …?", "Did …?", "Can …?").
    static let auxiliaries: Set<String> = [
        "is", "are", "was", "were", "am", "do", "does", "did", "can", "could", "has", "have", "had",
        "will", "would", "should", "shall", "may", "might", "must", "isn't", "aren't", "wasn't",
        "weren't", "don't", "doesn't", "didn't", "can't", "couldn't", "hasn't", "haven't", "won't",
    ]

    /// Whether `question` asks for yes or no: it opens with an auxiliary verb and offers no
    /// alternatives ("Is it red or blue?" asks for a colour).
    public static func isYesNoQuestion(_ question: String) -> Bool {
        opensWithAuxiliary(question) && !question.lowercased().split { !$0.isLetter && $0 != "'" }.contains("or")
    }

    /// Whether `question` opens with an auxiliary verb, as yes/no questions and alternative
    /// questions ("Is it red or blue?") do.
    public static func opensWithAuxiliary(_ question: String) -> Bool {
        let words = question.lowercased().split { !$0.isLetter && $0 != "'" }
        guard let first = words.first else { return false }
        return auxiliaries.contains(String(first))
    }

    /// "Yes" or "No" for a yes/no question, or nil when `question` is not one or `generator`
    /// cannot score options (a remote server): the caller then generates as usual.
    /// - Parameter messages: the prompt for a given question text (the real one and the
    ///   content-free one share everything else, so the second reuses the first's KV cache).
    public func answer(_ question: String, generator: any AnswerGenerator,
                       messages: (String) -> [ChatMessage]) throws -> GeneratedAnswer? {
        guard Self.isYesNoQuestion(question), let scorer = generator as? any AnswerOptionScorer else { return nil }
        let real = try scorer.logOdds(messages(question), of: "Yes", against: "No")
        let bias = try scorer.logOdds(messages(contentFreeQuestion), of: "Yes", against: "No")
        return GeneratedAnswer(text: real.logOdds > bias.logOdds ? "Yes" : "No", promptTokens: real.promptTokens,
                               completionTokens: 1, promptSeconds: real.seconds + bias.seconds, generateSeconds: 0)
    }
}

extension LocalGenerator: AnswerOptionScorer {
    public func logOdds(_ messages: [ChatMessage], of first: String, against second: String) throws
        -> (logOdds: Float, promptTokens: Int, seconds: Double) {
        let started = Date()
        let ids = generator.promptIds(for: messages)
        let logits = try generator.nextTokenLogits(ids)
        func firstToken(_ text: String) throws -> Int {
            guard let id = generator.tokenizer.encode(text, parseSpecial: false).first else {
                throw RAGError.emptyOption(text)
            }
            return id
        }
        return (logits[try firstToken(first)] - logits[try firstToken(second)], ids.count, Date().timeIntervalSince(started))
    }
}
