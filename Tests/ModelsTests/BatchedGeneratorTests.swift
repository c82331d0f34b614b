import Foundation
import RagTuneModels
import RagTuneTestSupport
import Testing

/// `LlamaSession.evaluate(_:)` with a batch of sequences and `BatchedGenerator` (continuous
/// batching): each sequence computes what it computes alone, up to the rounding of a different
/// grouping of rows.
struct BatchedGeneratorTests {
    static let questions = ["What is the capital of France?", "Count from one to ten in words.",
                            "Name three colours of the rainbow.", "Write a haiku about the sea."]

    @Test(.needsSmolLM2) func aBatchedForwardPassGivesEachSequenceItsOwnLogits() throws {
        let generator = try TextGenerator(threads: 2, precision: .exact)
        let session = generator.session
        let prompts = Self.questions.map { generator.promptIds(for: [.init(role: "user", content: $0)]) }
        let alone = try prompts.map { prompt -> [Float] in
            session.reset()
            return try session.evaluate(prompt)[0]
        }
        let sequences = prompts.map { _ in session.makeSequence() }
        let batched = try session.evaluate(batch: Array(zip(sequences, prompts)))
        for (i, (a, b)) in zip(alone, batched).enumerated() {
            let delta = zip(a, b).map { abs($0 - $1) }.max()!
            #expect(delta < 1e-2, "prompt \(i): max |Δlogit| \(delta) between alone and batched")
            #expect(a.indices.max { a[$0] < a[$1] } == b.indices.max { b[$0] < b[$1] }, "prompt \(i): the same top token")
        }
        #expect(zip(sequences, prompts).allSatisfy { $0.tokens == $1 }, "each sequence holds its own prompt")
        // A decode step of all four, one token each, against the same token alone.
        let next = batched.map { l in l.indices.max { l[$0] < l[$1] }! }
        let step = try session.evaluate(batch: Array(zip(sequences, next.map { [$0] })))
        session.reset()
        let aloneStep = try session.evaluate(prompts[2] + [next[2]])[0]
        #expect(zip(step[2], aloneStep).map { abs($0 - $1) }.max()! < 1e-2)
        #expect(throws: ModelError.self) { try session.evaluate(batch: [(sequences[0], [-1])]) }
        #expect(sequences[0].tokens.count == prompts[0].count + 1, "a refused batch runs nothing")
    }

    @Test(.needsSmolLM2) func generationsJoiningAndLeavingTheBatchMatchGeneratingAlone() throws {
        let generator = try TextGenerator(threads: 2, precision: .exact)
        let prompts = Self.questions.map { generator.promptIds(for: [.init(role: "user", content: $0)]) }
        let limits = [12, 20, 6, 16]
        let alone = try zip(prompts, limits).map { prompt, limit in
            generator.session.reset()
            return try generator.generate(promptIds: prompt, sampling: .greedy, stop: StopCondition(maxTokens: limit))
        }
        let batch = BatchedGenerator(generator: generator, maxSequences: 3)
        var results = [TextGenerator.Result?](repeating: nil, count: prompts.count)
        var streamed = [String](repeating: "", count: prompts.count)
        var steps = 0, widest = 0, addedLast = false
        func add(_ i: Int) throws {
            try batch.add(promptIds: prompts[i], sampling: .greedy, stop: StopCondition(maxTokens: limits[i]),
                          onText: { streamed[i] += $0 }, onFinish: { results[i] = try? $0.get() })
        }
        try add(0)
        try add(1)
        while results.contains(where: { $0 == nil }) {
            if steps == 3 { try add(2) } // joins while 0 and 1 decode
            if results[2] != nil, !addedLast { // takes 2's place (and its sequence) while 1 still decodes
                try add(3)
                addedLast = true
            }
            batch.step()
            widest = max(widest, batch.count)
            steps += 1
            #expect(steps < 200)
            if steps >= 200 { break }
        }
        #expect(widest == 3, "three generations decoded together")
        for i in prompts.indices {
            let result = try #require(results[i])
            #expect(result.ids == alone[i].ids, "generation \(i): \(result.text.debugDescription) vs \(alone[i].text.debugDescription)")
            #expect(result.text == streamed[i], "generation \(i): the streamed chunks add up to the text")
            #expect(result.stopReason == alone[i].stopReason)
        }
    }

    @Test(.needsSmolLM2) func aCancelledGenerationLeavesAndItsSequenceServesASharedPrefix() throws {
        let generator = try TextGenerator(threads: 2)
        let prompt = generator.promptIds(for: [.init(role: "user", content: Self.questions[1])])
        let batch = BatchedGenerator(generator: generator, maxSequences: 2)
        var cancelled = false, result: TextGenerator.Result?
        try batch.add(promptIds: prompt, sampling: .greedy, stop: StopCondition(maxTokens: 50), isCancelled: { cancelled },
                      onFinish: { result = try? $0.get() })
        batch.step()
        batch.step()
        cancelled = true
        batch.step()
        #expect(result?.stopReason == .cancelled && result?.ids.count == 3)
        #expect(batch.count == 0)
        try batch.add(promptIds: prompt, sampling: .greedy, stop: StopCondition(maxTokens: 1), onFinish: { result = try? $0.get() })
        batch.step()
        #expect(batch.lastStepRows == 1, "the idle sequence already held the prompt: only its last token ran")
        #expect(result?.ids.count == 1)
        #expect(throws: ModelError.self) {
            try batch.add(promptIds: [], sampling: .greedy, stop: StopCondition(maxTokens: 1), onFinish: { _ in })
        }
    }

    @Test(.needsSmolLM2) func aPromptPrefixHeldByAnotherSequenceIsCopiedNotRecomputed() throws {
        let generator = try TextGenerator(threads: 2, precision: .exact)
        let first = generator.promptIds(for: [.init(role: "user", content: Self.questions[0])])
        let second = generator.promptIds(for: [.init(role: "user", content: Self.questions[1])])
        let shared = zip(first, second).prefix { $0 == $1 }.count
        #expect(shared > 10, "the chat template's system prompt is shared")
        generator.session.reset()
        let alone = try generator.generate(promptIds: second, sampling: .greedy, stop: StopCondition(maxTokens: 8))
        let batch = BatchedGenerator(generator: generator, maxSequences: 2)
        var result: TextGenerator.Result?
        try batch.add(promptIds: first, sampling: .greedy, stop: StopCondition(maxTokens: 20), onFinish: { _ in })
        batch.step()
        try batch.add(promptIds: second, sampling: .greedy, stop: StopCondition(maxTokens: 8), onFinish: { result = try? $0.get() })
        batch.step()
        #expect(batch.lastStepRows == 1 + second.count - shared, "the first sequence's decode row and the second's unshared rows")
        for _ in 0..<20 where result == nil { batch.step() }
        #expect(result?.ids == alone.ids, "the copied prefix gives the same greedy tokens")
    }
}
