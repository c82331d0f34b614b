import Foundation
import Testing
import RagTuneTestSupport
import RagTuneModelFiles
import RagTuneModels
import RagTuneTensor
@testable import RagTuneTraining

/// `ModelMerger`: merged weights, copied tensors and metadata, and merged-model logits against
/// the same adapter applied unmerged.
@Suite(.serialized) struct MergeTests {
    /// Logits at every position of `tokens` (one prefill).
    static func logits(_ model: LlamaModel, _ adapter: LoRAAdapter?, _ tokens: [Int]) throws -> [[Float]] {
        let session = LlamaSession(model: model, threads: 2, precision: .exact)
        try session.setAdapter(adapter)
        return try session.evaluate(tokens, allLogits: true)
    }

    /// ‖Δlogits‖/‖logits‖ of `base` stored as `type` with no adapter: the error quantization alone causes.
    static func requantizationError(_ base: LlamaModel, _ type: QuantType, _ tokens: [Int]) throws -> Float {
        let empty = LoRAAdapter(layers: Array(repeating: [:], count: base.config.layerCount))
        let url = AdapterTestSupport.temporaryURL("requantized-\(type).gguf")
        defer { try? FileManager.default.removeItem(at: url) }
        try ModelMerger.merge(base: base, adapter: empty, type: type, to: url)
        return AdapterTestSupport.relativeL2(try logits(LlamaModel(url: url), nil, tokens), try logits(base, nil, tokens))
    }

    @Test func mergedTinyModelMatchesUnmergedAdapter() throws {
        let dense = DenseLlamaWeights(randomWith: AdapterTestSupport.config, seed: 31)
        let base = try LlamaModel(url: AdapterTestSupport.gguf(dense))
        let adapter = try AdapterTestSupport.randomAdapter(config: dense.config, targets: [.query, .key, .up, .down]).inferenceAdapter
        let tokens = [4, 8, 15, 16, 23, 42, 7]
        let unmerged = try Self.logits(base, adapter, tokens)
        let baseLogits = try Self.logits(base, nil, tokens)
        let effect = AdapterTestSupport.relativeL2(baseLogits, unmerged)
        for (type, tolerance) in [(QuantType.f32, Float(1e-6)), (.f16, 1e-3), (.q8_0, 3e-2), (.q4_1, 0.3)] {
            let url = AdapterTestSupport.temporaryURL("merged-\(type).gguf")
            try ModelMerger.merge(base: base, adapter: adapter, type: type, to: url)
            let merged = try LlamaModel(url: url)
            #expect(merged.matrix(.up, layer: 1).type == type)
            let error = AdapterTestSupport.relativeL2(try Self.logits(merged, nil, tokens), unmerged)
            let requantized = try Self.requantizationError(base, type, tokens)
            print("tiny model merged as \(type) vs unmerged: ‖Δlogits‖/‖logits‖ \(error) (the adapter itself: \(effect); "
                  + "the base stored as \(type): \(requantized))")
            #expect(error < tolerance, "\(type)")
            #expect(error < 3 * requantized + 1e-5, "\(type)")
        }
        #expect(effect > 0.2)
    }

    @Test func mergeAddsScaledBAAndCopiesEverythingElse() throws {
        let dense = DenseLlamaWeights(randomWith: AdapterTestSupport.config, seed: 32)
        let baseURL = try AdapterTestSupport.gguf(dense)
        let base = try LlamaModel(url: baseURL)
        let adapter = try AdapterTestSupport.randomAdapter(config: dense.config, targets: [.value]).inferenceAdapter
        let merged = try GGUFFile(bytes: ModelMerger.merge(base: base, adapter: adapter, type: .f32).serialized(), name: "merged")
        // W + s·B·A, computed here by loops
        let w = try #require(adapter.weights(layer: 1, .value))
        let stored = try merged.floats("blk.1.attn_v.weight"), original = dense.matrices[1][.value]!
        for o in 0..<w.outFeatures {
            for i in 0..<w.inFeatures {
                let delta = (0..<w.rank).reduce(Float(0)) { $0 + w.b[o * w.rank + $1] * w.a[$1 * w.inFeatures + i] }
                #expect(abs(stored[o * w.inFeatures + i] - (original[o * w.inFeatures + i] + w.scale * delta)) < 1e-5)
            }
        }
        // unadapted tensors, metadata and tensor order are kept
        let source = base.gguf
        #expect(merged.tensors.map(\.name) == source.tensors.map(\.name))
        for name in ["token_embd.weight", "blk.0.attn_q.weight", "blk.1.ffn_norm.weight"] {
            #expect(try merged.withTensorBytes(name) { Array($0) } == source.withTensorBytes(name) { Array($0) })
        }
        #expect(merged.metadataKeys.filter { $0 != "general.file_type" } == source.metadataKeys)
        #expect(merged.metadata["general.file_type"] == .uint32(0))
        #expect(merged.metadata["general.name"] == source.metadata["general.name"])
    }

    @Test(.needsSmolLM2) func mergedSmolLM2MatchesUnmergedAdapter() throws {
        let model = try TrainingFixtures.smolLM2.get()
        let prompt = try LoRAModelSmolLM2Tests.prompt(model)
        let adapter = try AdapterTestSupport.randomAdapter(config: model.config, rank: 8, alpha: 16, bRange: 0.1, seed: 21)
            .inferenceAdapter
        let unmerged = try Self.logits(model, adapter, prompt)
        let effect = AdapterTestSupport.relativeL2(try Self.logits(model, nil, prompt), unmerged)
        for (type, tolerance) in [(QuantType.f16, Float(2e-3)), (.q8_0, 6e-2)] {
            let url = AdapterTestSupport.temporaryURL("smollm2-merged-\(type).gguf")
            defer { try? FileManager.default.removeItem(at: url) }
            try ModelMerger.merge(base: model, adapter: adapter, type: type, to: url)
            let merged = try LlamaModel(url: url)
            #expect(merged.gguf.metadata["tokenizer.ggml.tokens"] == model.gguf.metadata["tokenizer.ggml.tokens"])
            let logits = try Self.logits(merged, nil, prompt)
            let error = AdapterTestSupport.relativeL2(logits, unmerged)
            let requantized = try Self.requantizationError(model, type, prompt)
            let sameArgmax = zip(logits, unmerged).filter { AdapterTestSupport.argmax($0) == AdapterTestSupport.argmax($1) }.count
            print("SmolLM2 merged as \(type) vs unmerged: ‖Δlogits‖/‖logits‖ \(error) (the adapter itself: \(effect); the base "
                  + "stored as \(type): \(requantized)), max |Δ|/max(1,|logit|) \(AdapterTestSupport.worstRelative(logits, unmerged)), argmax equal at \(sameArgmax)/\(prompt.count)")
            #expect(error < tolerance, "\(type)")
            #expect(error < 3 * requantized, "\(type)")
        }
    }
}
