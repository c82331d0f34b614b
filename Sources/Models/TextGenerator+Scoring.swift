import Foundation

extension TextGenerator {
    /// The log-probability of every token of each continuation after `prompt`: the prompt runs
    /// once (reusing cached positions), then each continuation runs from the prompt's end, all on
    /// the exact path (`exactly`).
    /// - Returns: one array per continuation, `continuation.count` log-probabilities each.
    /// - Throws: `ModelError` for an empty prompt or continuation, ids outside the vocabulary or
    ///   a context too short for the prompt and the longest continuation.
    public func continuationLogProbabilities(prompt: [Int], continuations: [[Int]]) throws -> [[Double]] {
        let first = try nextTokenLogits(prompt)
        return try exactly {
            try continuations.map { continuation in
                guard !continuation.isEmpty else { throw ModelError.invalidInput("empty continuation") }
                session.truncate(to: prompt.count)
                let rows = continuation.count > 1 ? try session.evaluate(Array(continuation.dropLast()), allLogits: true) : []
                return zip([first] + rows, continuation).map { Self.logProbability(of: $1, logits: $0) }
            }
        }
    }

    /// log softmax(`logits`)[`id`], computed stably in Double.
    static func logProbability(of id: Int, logits: [Float]) -> Double {
        let maximum = Double(logits.max() ?? 0)
        let sum = logits.reduce(0.0) { $0 + exp(Double($1) - maximum) }
        return Double(logits[id]) - maximum - log(sum)
    }
}
