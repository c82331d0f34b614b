import Foundation
import Testing
import RagTuneTestSupport
import RagTuneModels
@testable import RagTuneTraining

/// Adapters applied unmerged by `LlamaSession` against the training forward pass (`LoRAModel`),
/// which adds s·B·A inside its own linear layers: the prefill (SGEMM, > 4 tokens) path, the short
/// prompt (matvec) path and single-token decode steps.
@Suite(.serialized) struct AdapterSessionTests {
    /// Logits of `tokens` from a session: the first `prefill` tokens at once, then one at a time.
    static func sessionLogits(_ session: LlamaSession, _ tokens: [Int], prefill: Int) throws -> [[Float]] {
        session.reset()
        var rows = try session.evaluate(Array(tokens[..<prefill]), allLogits: true)
        for id in tokens[prefill...] { rows += try session.evaluate([id]) }
        return rows
    }

    @Test func unmergedAdapterMatchesTrainingForwardOnATinyModel() throws {
        let dense = DenseLlamaWeights(randomWith: AdapterTestSupport.config, seed: 11)
        let session = LlamaSession(model: try LlamaModel(url: AdapterTestSupport.gguf(dense)), threads: 2)
        let adapter = try AdapterTestSupport.randomAdapter(config: dense.config)
        let training = try LoRAModel(base: dense, lora: adapter.lora, parameters: adapter.parameters, threads: 2)
        let tokens = [3, 17, 42, 8, 8, 29, 1, 40, 12]
        let reference = try training.logits(tokens: tokens)
        let base = try Self.sessionLogits(session, tokens, prefill: tokens.count)
        try session.setAdapter(adapter.inferenceAdapter)
        for prefill in [tokens.count, 6, 3, 1] { // SGEMM prefill, then matvec rows, then decode steps
            let logits = try Self.sessionLogits(session, tokens, prefill: prefill)
            #expect(AdapterTestSupport.worstRelative(logits, reference) < 1e-4, "prefill \(prefill)")
        }
        #expect(AdapterTestSupport.worstRelative(base, reference) > 1e-2) // the adapter changes the output
        try session.setAdapter(nil) // swapped out without reloading: the base again
        #expect(AdapterTestSupport.worstRelative(try Self.sessionLogits(session, tokens, prefill: tokens.count), base) < 1e-6)
    }

    @Test func zeroBAdapterLeavesLogitsUnchanged() throws {
        let dense = DenseLlamaWeights(randomWith: AdapterTestSupport.config, seed: 12)
        let session = LlamaSession(model: try LlamaModel(url: AdapterTestSupport.gguf(dense)), threads: 2)
        let tokens = [5, 9, 33, 2, 47, 11]
        let base = try Self.sessionLogits(session, tokens, prefill: 5)
        let lora = LoRAConfiguration(rank: 4, alpha: 8, dropout: 0)
        let zeroB = try PEFTAdapter(lora: lora, parameters: LoRAParameters(
            peftInitializedWith: LoRALayout(config: dense.config, rank: 4, targets: lora.targets), seed: 1), config: dense.config)
        try session.setAdapter(zeroB.inferenceAdapter)
        #expect(try Self.sessionLogits(session, tokens, prefill: 5) == base)
    }

    @Test func adapterOfAnotherShapeIsRefused() throws {
        let dense = DenseLlamaWeights(randomWith: AdapterTestSupport.config, seed: 13)
        let session = LlamaSession(model: try LlamaModel(url: AdapterTestSupport.gguf(dense)), threads: 2)
        _ = try session.evaluate([1]) // starts the worker threads (a pool freed before they start traps)
        var other = AdapterTestSupport.config
        other.feedForwardSize = 96
        let adapter = try AdapterTestSupport.randomAdapter(config: other, targets: [.up])
        #expect(throws: ModelError.self) { try session.setAdapter(adapter.inferenceAdapter) }
        #expect(session.adapter == nil)
    }

    /// Issue 13.7: an adapter with a NaN or infinite weight is refused for inference and merging.
    @Test func adapterWithNonFiniteWeightsIsRefused() throws {
        let dense = DenseLlamaWeights(randomWith: AdapterTestSupport.config, seed: 14)
        let model = try LlamaModel(url: AdapterTestSupport.gguf(dense))
        let session = LlamaSession(model: model, threads: 2)
        _ = try session.evaluate([1])
        let lora = LoRAConfiguration(rank: 4, alpha: 8, dropout: 0, targets: [.up], seed: 7)
        let good = AdapterTestSupport.randomParameters(lora, config: AdapterTestSupport.config, bRange: 0.5, seed: 7)
        try session.setAdapter(PEFTAdapter(lora: lora, parameters: good, config: AdapterTestSupport.config).inferenceAdapter)
        for bad in [Float.nan, .infinity] {
            var parameters = good
            parameters.values[parameters.values.count / 2] = bad
            let adapter = try PEFTAdapter(lora: lora, parameters: parameters, config: AdapterTestSupport.config).inferenceAdapter
            #expect(throws: ModelError.self) { try session.setAdapter(adapter) }
            #expect(throws: ModelError.self) { try ModelMerger.merge(base: model, adapter: adapter, type: .f16) }
        }
    }

    @Test(.needsSmolLM2) func unmergedAdapterMatchesTrainingForwardOnSmolLM2() throws {
        let model = try TrainingFixtures.smolLM2.get()
        let prompt = try LoRAModelSmolLM2Tests.prompt(model)
        let adapter = try AdapterTestSupport.randomAdapter(config: model.config, rank: 8, alpha: 16, bRange: 0.1, seed: 21)
        let training = try LoRAModel(base: model, lora: adapter.lora, parameters: adapter.parameters, threads: 2)
        let reference = try training.logits(tokens: prompt)
        let session = LlamaSession(model: model, threads: 2, precision: .exact)
        let base = try Self.sessionLogits(session, prompt, prefill: prompt.count)
        try session.setAdapter(adapter.inferenceAdapter)
        for prefill in [prompt.count, prompt.count - 3] { // SGEMM prefill; the last 3 as decode steps
            let logits = try Self.sessionLogits(session, prompt, prefill: prefill)
            let worst = AdapterTestSupport.worstRelative(logits, reference)
            print("SmolLM2 unmerged adapter vs LoRAModel, prefill \(prefill) of \(prompt.count): max |Δ|/max(1,|logit|) \(worst)")
            #expect(worst < 1e-3)
        }
        #expect(AdapterTestSupport.worstRelative(base, reference) > 1e-2)
    }
}
