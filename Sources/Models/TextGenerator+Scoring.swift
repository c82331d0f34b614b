import Foundation

extension TextGenerator {
    /// The log-probability of every token of each continuation after `prompt`: the prompt runs
    /// once (reusing cached positions), then the continuations run together from the prompt's end,
    /// each in a sequence holding a copy of the prompt's cache (`LlamaSession.evaluateEveryRow`),
    /// at most `scoringBatchPositions` cached positions at a time; all on the exact path (`exactly`).
    /// One pass over the weights for all candidates instead of one per candidate token.
    /// - Returns: one array per continuation, `continuation.count` log-probabilities each.
    /// - Throws: `ModelError` for an empty prompt or continuation, ids outside the vocabulary or
    ///   a context too short for the prompt and the longest continuation.
    public func continuationLogProbabilities(prompt: [Int], continuations: [[Int]]) throws -> [[Double]] {
        guard continuations.allSatisfy({ !$0.isEmpty }) else { throw ModelError.invalidInput("empty continuation") }
        let first = try nextTokenLogits(prompt)
        var scores = continuations.map { [Self.logProbability(of: $0[0], logits: first)] }
        let longer = continuations.indices.filter { continuations[$0].count > 1 }
        let perBatch = max(1, Self.scoringBatchPositions / (prompt.count + (longer.map { continuations[$0].count }.max() ?? 0)))
        try exactly {
            for start in stride(from: 0, to: longer.count, by: perBatch) {
                let group = longer[start..<min(start + perBatch, longer.count)]
                let batch = group.map { i in
                    let sequence = session.makeSequence()
                    sequence.copyPrefix(from: session.sequence, count: prompt.count)
                    return (sequence: sequence, ids: Array(continuations[i].dropLast()))
                }
                let rows = try session.evaluateEveryRow(batch: batch)
                for (i, logits) in zip(group, rows) {
                    scores[i] += zip(logits, continuations[i].dropFirst()).map { Self.logProbability(of: $1, logits: $0) }
                }
            }
        }
        return scores
    }

    /// Cached positions (prompt copies and continuations) one scoring pass may hold: 46 KB each for
    /// SmolLM2-135M, so about 94 MB at most, freed after the pass.
    static let scoringBatchPositions = 2048

    /// log softmax(`logits`)[`id`], computed stably in Double.
    static func logProbability(of id: Int, logits: [Float]) -> Double {
        let maximum = Double(logits.max() ?? 0)
        let sum = logits.reduce(0.0) { $0 + exp(Double($1) - maximum) }
        return Double(logits[id]) - maximum - log(sum)
    }
}
