import Foundation
import RagTuneModels
import RagTuneTestSupport
import Testing

/// `LlamaSession.continueLongestPrefix(of:)`: prompts of several kinds taking turns each continue
/// their own kind's cached prefix, and give the logits of a fresh run.
struct LlamaSessionKeptPromptsTests {
    static let rules = String(repeating: "Answer from the numbered sources only, cite them, and say so when they do not say. ", count: 4)
    static let other = String(repeating: "Answer the question in a few words, as briefly as you can. ", count: 4)

    @Test(.needsSmolLM2) func promptsOfTwoKindsEachContinueTheirOwnPrefix() throws {
        let generator = try TextGenerator(threads: 2, precision: .exact)
        let session = generator.session
        func prompt(_ system: String, _ question: String) -> [Int] {
            generator.promptIds(for: [.system(system), .user(question)])
        }
        let a1 = prompt(Self.rules, "Who built the lantern?"), a2 = prompt(Self.rules, "When was the loom made?")
        let b1 = prompt(Self.other, "What is the capital of France?")
        let sharedA = zip(a1, a2).prefix { $0 == $1 }.count
        #expect(sharedA >= 64 && zip(a1, b1).prefix { $0 == $1 }.count < 64)

        _ = try session.evaluate(Array(session.continueLongestPrefix(of: a1)))
        _ = try session.evaluate(Array(session.continueLongestPrefix(of: b1)))
        // The rules prompt was kept while the other kind ran: only a2's own tail runs.
        let tail = session.continueLongestPrefix(of: a2)
        #expect(tail.count == a2.count - sharedA)
        let continued = try session.evaluate(Array(tail))[0]
        #expect(session.tokens == a2)
        // And b1's prefix is kept in turn.
        #expect(session.continueLongestPrefix(of: b1 + [b1[0]]).count == 1)

        session.reset()
        let fresh = try session.evaluate(a2)[0]
        #expect(zip(continued, fresh).map { abs($0 - $1) }.max()! < 1e-3)

        // Nothing kept: a switch of kinds runs the whole prompt again.
        session.keptPrompts = 0
        session.reset()
        _ = try session.evaluate(Array(session.continueLongestPrefix(of: a1)))
        _ = try session.evaluate(Array(session.continueLongestPrefix(of: b1)))
        #expect(session.continueLongestPrefix(of: a2).count > a2.count - 64)
    }
}
