import Foundation
import RagTuneTokenizers

/// A generator that can decode under a `SpanConstraint`: its answer is copied verbatim from
/// one of the given passages (extractive RAG).
public protocol SpanCopier: AnyObject {
    /// Greedy decoding restricted to runs of `passages`, ending when the model's own choice is to
    /// end the turn or the line, when no passage continues the run, or after `maxTokens`.
    /// - Returns: the answer and the indexes of the passages that contain it (in order).
    func copySpan(_ messages: [ChatMessage], from passages: [String], maxTokens: Int) throws
        -> (answer: GeneratedAnswer, passages: [Int])
}

extension LocalGenerator: SpanCopier {
    public func copySpan(_ messages: [ChatMessage], from passages: [String], maxTokens: Int) throws
        -> (answer: GeneratedAnswer, passages: [Int]) {
        let started = Date()
        let tokenizer = generator.tokenizer
        let prompt = generator.promptIds(for: messages)
        let tokenized = passages.map { tokenizer.encode($0, parseSpecial: false) }
        var constraint = SpanConstraint(passages: tokenized, firstTokenAliases: spaceLessAliases(of: Set(tokenized.joined())))
        let endIds = tokenizer.endOfGenerationIds
        var ids: [Int] = []
        var promptSeconds = 0.0
        while ids.count < maxTokens {
            let logits = try generator.nextTokenLogits(prompt + ids)
            if ids.isEmpty { promptSeconds = Date().timeIntervalSince(started) }
            let free = logits.indices.max { logits[$0] < logits[$1] }!
            if !ids.isEmpty, endIds.contains(free) || tokenizer.decode([free]).contains("\n") { break }
            guard let best = constraint.allowed.max(by: { logits[$0] < logits[$1] }) else { break }
            if !ids.isEmpty, let end = endIds.map({ logits[$0] }).max(), end >= logits[best] { break }
            ids.append(best)
            constraint.append(best)
        }
        let text = tokenizer.decode(ids).trimmingCharacters(in: .whitespacesAndNewlines)
        let answer = GeneratedAnswer(text: text, promptTokens: prompt.count, completionTokens: ids.count,
                                     promptSeconds: promptSeconds, generateSeconds: Date().timeIntervalSince(started) - promptSeconds)
        return (answer, ids.isEmpty ? [] : constraint.passagesHoldingAnswer)
    }

    /// For each token of `ids` that begins with a space and whose text without it is one token:
    /// that token → the ids it stands for.
    private func spaceLessAliases(of ids: Set<Int>) -> [Int: [Int]] {
        var aliases: [Int: [Int]] = [:]
        for id in ids {
            let text = generator.tokenizer.decode([id])
            guard text.count > 1, text.first == " " else { continue }
            let bare = generator.tokenizer.encode(String(text.dropFirst()), parseSpecial: false)
            if bare.count == 1 { aliases[bare[0], default: []].append(id) }
        }
        return aliases
    }
}
