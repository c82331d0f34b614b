import Foundation
import RagTuneModelFiles
import RagTuneModels
import RagTuneTensor

extension DecodeBenchmark {
    /// Several sequences decoding together (`LlamaSession.evaluate(batch:)`, as
    /// `ragtune serve`'s continuous batching runs them): each holds the prompt, then every step
    /// decodes one greedy token for each. Round 0 warms up; the median of the rounds is reported.
    public struct BatchResult: Codable, Sendable, Equatable {
        public var threads: Int
        public var precision: String
        /// Sequences per step.
        public var sequences: Int
        /// Tokens per second over all sequences (median of the rounds).
        public var decodeTokensPerSecond: Double
        /// Over the same precision's single-sequence decode at the same threads.
        public var speedup: Double
        /// Where a batched step's time goes (with `profile`; milliseconds per decoded token), largest share first.
        @NullEncoded public var profile: [OperationTime]?

        enum CodingKeys: String, CodingKey {
            case threads, precision, sequences, speedup, profile
            case decodeTokensPerSecond = "decode_tokens_per_second"
        }

        /// The text report's line.
        public var line: String {
            String(format: "%@, threads %d, %d sequences: decode %.1f tok/s in all (%.2f× one sequence)",
                   precision, threads, sequences, decodeTokensPerSecond, speedup)
        }
    }

    /// Measures `sequences` decoding together on `session` (median of `rounds` after a warm-up).
    static func measureBatch(_ session: LlamaSession, promptIds: [Int], sequences count: Int, tokens: Int, rounds: Int,
                        profile: Bool) throws -> (rate: Double, profile: [OperationTime]?) {
        var rates: [Double] = []
        var profiled: [OperationTime]?
        for round in 0...(rounds + (profile ? 1 : 0)) {
            let sequences = (0..<count).map { _ in session.makeSequence() }
            var logits: [Float] = []
            var batch = sequences.map { ($0, promptIds) }
            try session.evaluate(batch: batch, into: &logits)
            let timing = profile && round == rounds + 1 ? DecodeProfile() : nil
            session.profile = timing
            defer { session.profile = nil }
            let vocabulary = session.model.config.vocabularySize
            let start = DispatchTime.now().uptimeNanoseconds
            for _ in 0..<tokens {
                // The server's step: greedy tokens from the logits rows, the next ids in reused arrays.
                for i in batch.indices {
                    let next = logits.withUnsafeBufferPointer { Kernels.argmax($0.baseAddress! + i * vocabulary, count: vocabulary) }
                    batch[i].1.removeAll(keepingCapacity: true)
                    batch[i].1.append(next)
                }
                try session.evaluate(batch: batch, into: &logits)
            }
            let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            if let timing { profiled = times(timing, per: tokens * count) } else if round > 0 {
                rates.append(Double(tokens * count) / seconds)
            }
        }
        return (BenchStatistics.median(rates), profiled)
    }
}
