import Foundation
import RagTuneModels
import RagTuneTestSupport
import Testing

/// `TextGenerator.generate(… isCancelled:)`: asked before each decode step, it ends generation
/// with `.cancelled` (a server's streaming client that went away).
struct TextGeneratorCancellationTests {
    @Test(.needsSmolLM2) func cancellingStopsAtTheNextToken() throws {
        let generator = try TextGenerator(threads: 2)
        let prompt = generator.promptIds(for: [.init(role: "user", content: "Count from one to fifty in words.")])
        var asked = 0
        let cancelled = try generator.generate(promptIds: prompt, sampling: .greedy, stop: StopCondition(maxTokens: 64),
                                               isCancelled: { asked += 1; return asked > 3 })
        #expect(cancelled.stopReason == .cancelled)
        #expect(cancelled.ids.count == 4, "three decode steps ran, the fourth was cancelled after its token was sampled")
        generator.session.reset() // the same prefill as above, so the same grouping of int8 products
        let whole = try generator.generate(promptIds: prompt, sampling: .greedy, stop: StopCondition(maxTokens: 4))
        #expect(Array(whole.ids.prefix(4)) == cancelled.ids, "what ran before the cancel is the uncancelled output")
    }
}
