import Foundation
import Testing
import RagTuneModelFiles
import RagTuneTensor
@testable import RagTuneModels

/// A tiny random Llama written with `GGUFWriter`: loading any Llama-family GGUF from its metadata,
/// and clear errors for files that are wrong.
@Suite struct LlamaLoadingTests {
    /// 2 layers, d 64, 4 heads of 16 (2 KV heads), FFN 96, vocab 40; Q4_1 / Q8_0 / F32 like SmolLM2.
    static func tinyModel(architecture: String = "llama", qShape: [Int] = [64, 64], skip: String? = nil,
                          weightType: QuantType = .q4_1) throws -> [UInt8] {
        var rng = SplitMix64(seed: 5)
        var writer = GGUFWriter()
        writer.setMetadata("general.architecture", .string(architecture))
        for (key, value) in [("block_count", 2), ("embedding_length", 64), ("feed_forward_length", 96),
                             ("attention.head_count", 4), ("attention.head_count_kv", 2), ("context_length", 128)] {
            writer.setMetadata("\(architecture).\(key)", .uint32(UInt32(value)))
        }
        writer.setMetadata("\(architecture).rope.freq_base", .float32(10_000))
        writer.setMetadata("\(architecture).attention.layer_norm_rms_epsilon", .float32(1e-5))
        func add(_ name: String, _ dims: [Int], _ type: QuantType, scale: Float = 0.2) throws {
            guard name != skip else { return }
            let values = type == .f32 ? (0..<dims.reduce(1, *)).map { _ in 1 + rng.float(-0.1, 0.1) }
                                      : rng.floats(dims.reduce(1, *), -scale, scale)
            try writer.addTensor(name: name, dimensions: dims, type: type, floats: values)
        }
        try add("token_embd.weight", [64, 40], .q8_0, scale: 1)
        try add("output_norm.weight", [64], .f32)
        for l in 0..<2 {
            let p = "blk.\(l)."
            try add(p + "attn_norm.weight", [64], .f32)
            try add(p + "attn_q.weight", qShape, weightType)
            try add(p + "attn_k.weight", [64, 32], weightType)
            try add(p + "attn_v.weight", [64, 32], weightType)
            try add(p + "attn_output.weight", [64, 64], weightType)
            try add(p + "ffn_norm.weight", [64], .f32)
            try add(p + "ffn_gate.weight", [64, 96], weightType)
            try add(p + "ffn_up.weight", [64, 96], weightType)
            try add(p + "ffn_down.weight", [96, 64], weightType)
        }
        return try writer.serialized()
    }

    @Test(arguments: [QuantType.q4_1, .q4_0, .q8_0, .f16, .f32])
    func anyLlamaLoadsAndBothPathsAgree(weightType: QuantType) throws {
        let model = try LlamaModel(gguf: GGUFFile(bytes: Self.tinyModel(weightType: weightType), name: "tiny.gguf"))
        #expect(model.config.headSize == 16 && model.config.kvSize == 32 && model.config.vocabularySize == 40)
        let ids = [1, 5, 9, 13, 17, 21, 25]
        let batched = try LlamaSession(model: model, threads: 2, precision: .exact).evaluate(ids, allLogits: true)
        let stepwise = LlamaSession(model: model, threads: 2, precision: .exact)
        let int8 = LlamaSession(model: model, threads: 2) // the default: int8 where the type has kernels
        for (i, id) in ids.enumerated() {
            let step = try stepwise.evaluate([id])[0]
            #expect(step.allSatisfy { $0.isFinite })
            #expect(zip(step, batched[i]).allSatisfy { abs($0 - $1) < 1e-3 }, "\(weightType) position \(i)")
            // int8 activations: within a few percent of the logits' range
            let fast = try int8.evaluate([id])[0], range = batched[i].map(abs).max()!
            #expect(zip(fast, batched[i]).allSatisfy { abs($0 - $1) <= 0.05 * range + 1e-3 }, "\(weightType) int8 position \(i)")
        }
    }

    @Test func aModelLoadedForTheExactPathOnlyKeepsNoRepackedCopyAndGivesTheSameLogits() throws {
        let bytes = try Self.tinyModel()
        let repacked = try LlamaModel(gguf: GGUFFile(bytes: bytes, name: "tiny.gguf"))
        let plain = try LlamaModel(gguf: GGUFFile(bytes: bytes, name: "tiny.gguf"), int8Weights: false)
        #expect(repacked.layers[0].query.int8 != nil && repacked.output.int8 != nil)
        #expect(plain.layers.allSatisfy { $0.query.int8 == nil && $0.gate.int8 == nil } && plain.output.int8 == nil)
        // The exact path reads the same floats either way (prefill of 7 rows goes through dequantize + SGEMM);
        // a session asked for int8 on the plain model runs Float32.
        let ids = [1, 5, 9, 13, 17, 21, 25]
        let expected = try LlamaSession(model: repacked, threads: 2, precision: .exact).evaluate(ids, allLogits: true)
        for precision in [DecodePrecision.exact, .int8] {
            let logits = try LlamaSession(model: plain, threads: 2, precision: precision).evaluate(ids, allLogits: true)
            #expect(zip(logits.joined(), expected.joined()).allSatisfy { abs($0 - $1) <= 1e-5 * max(1, abs($1)) }, "\(precision)")
        }
    }

    @Test func wrongShapeMissingTensorAndArchitectureAreNamed() throws {
        func error(_ bytes: [UInt8]) -> String {
            do { _ = try LlamaModel(gguf: GGUFFile(bytes: bytes, name: "bad.gguf")); return "no error" } catch {
                return "\(error)"
            }
        }
        #expect(error(try Self.tinyModel(qShape: [64, 48])).contains("'blk.0.attn_q.weight' has shape [64, 48], expected [64, 64]"))
        #expect(error(try Self.tinyModel(skip: "blk.1.ffn_up.weight")).contains("blk.1.ffn_up.weight"))
        #expect(error(try Self.tinyModel(architecture: "gpt2")).contains("general.architecture is 'gpt2'"))
    }

    @Test func truncatedFileIsAnError() throws {
        let bytes = try Self.tinyModel()
        for cut in stride(from: 0, to: bytes.count, by: max(1, bytes.count / 40)) {
            #expect(throws: (any Error).self) {
                try LlamaModel(gguf: GGUFFile(bytes: Array(bytes.prefix(cut)), name: "cut.gguf"))
            }
        }
    }
}
