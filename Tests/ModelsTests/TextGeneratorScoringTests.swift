import Foundation
import Testing
import RagTuneTestSupport
@testable import RagTuneModels

/// `continuationLogProbabilities` against the model's own next-token logits.
@Suite(.serialized) struct TextGeneratorScoringTests {
    /// On the exact path: under int8, a continuation of up to four tokens runs int8 products while a
    /// longer prompt runs Float32 SGEMM, so the two differ by quantization noise.
    @Test(.needsSmolLM2) func continuationScoresMatchStepwiseLogits() throws {
        let generator = try TextGenerator(threads: 1, precision: .exact)
        let prompt = generator.tokenizer.encode("The capital of France is")
        // Scored together in one pass, each against its own stepwise logits; one is a single token.
        let continuations = [" Paris.", " purple", " Paris, the city of light on the Seine", " a"].map { generator.tokenizer.encode($0) }
        #expect(continuations[3].count == 1)
        let scores = try generator.continuationLogProbabilities(prompt: prompt, continuations: continuations)
        for (continuation, score) in zip(continuations, scores) {
            #expect(score.count == continuation.count)
            var ids = prompt
            for (token, logProbability) in zip(continuation, score) {
                let expected = TextGenerator.logProbability(of: token, logits: try generator.nextTokenLogits(ids))
                #expect(abs(expected - logProbability) < 1e-3, "\(expected) vs \(logProbability)")
                #expect(logProbability <= 0)
                ids.append(token)
            }
        }
        #expect(scores[0].reduce(0, +) > scores[1].reduce(0, +))   // " Paris." is likelier than " purple"
        #expect(throws: ModelError.self) { try generator.continuationLogProbabilities(prompt: prompt, continuations: [[]]) }
    }

    @Test func logProbabilitiesAreANormalizedSoftmax() {
        let logits: [Float] = [1, 2, 3]
        let total = (0..<3).map { exp(TextGenerator.logProbability(of: $0, logits: logits)) }.reduce(0, +)
        #expect(abs(total - 1) < 1e-9)
        #expect(abs(TextGenerator.logProbability(of: 1, logits: [1000, 1000]) - log(0.5)) < 1e-9)
    }
}
