import Foundation
import RagTuneModelFiles
import RagTuneModels
import RagTuneTensor
@testable import RagTuneTraining

/// Pieces shared by the adapter and merge tests: a dense random decoder written as a GGUF
/// (so `LlamaSession` and `LoRAModel` run the same weights), and non-trivial adapters.
enum AdapterTestSupport {
    /// d 32, 4 heads of 8, 2 KV heads, ff 64, vocab 50, 2 layers: row lengths fit Q4/Q8 blocks.
    static let config = LlamaConfig(layerCount: 2, embeddingSize: 32, feedForwardSize: 64, headCount: 4,
                                    kvHeadCount: 2, ropeBase: 10_000, ropeDimensions: 8, rmsEpsilon: 1e-5,
                                    vocabularySize: 50, contextLength: 64)

    static func temporaryURL(_ name: String) -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("ragtune-adapter-\(UUID().uuidString)-\(name)")
    }

    /// `dense` as a Llama GGUF (F32 tensors, tied output head, llama.cpp tensor names).
    static func gguf(_ dense: DenseLlamaWeights) throws -> URL {
        let c = dense.config, d = c.embeddingSize
        var writer = GGUFWriter()
        writer.setMetadata("general.architecture", .string("llama"))
        writer.setMetadata("general.name", .string("tiny-random"))
        for (key, value) in [("block_count", c.layerCount), ("embedding_length", d), ("feed_forward_length", c.feedForwardSize),
                             ("attention.head_count", c.headCount), ("attention.head_count_kv", c.kvHeadCount),
                             ("rope.dimension_count", c.ropeDimensions), ("context_length", c.contextLength)] {
            writer.setMetadata("llama.\(key)", .uint32(UInt32(value)))
        }
        writer.setMetadata("llama.rope.freq_base", .float32(Float(c.ropeBase)))
        writer.setMetadata("llama.attention.layer_norm_rms_epsilon", .float32(c.rmsEpsilon))
        try writer.addTensor(name: "token_embd.weight", dimensions: [d, c.vocabularySize], type: .f32, floats: dense.tokenEmbedding)
        try writer.addTensor(name: "output_norm.weight", dimensions: [d], type: .f32, floats: dense.finalNorm)
        for l in 0..<c.layerCount {
            try writer.addTensor(name: "blk.\(l).attn_norm.weight", dimensions: [d], type: .f32, floats: dense.attentionNorms[l])
            try writer.addTensor(name: "blk.\(l).ffn_norm.weight", dimensions: [d], type: .f32, floats: dense.feedForwardNorms[l])
            for projection in LlamaProjection.allCases {
                let (rows, columns) = projection.shape(c)
                try writer.addTensor(name: GGUFAdapter.baseTensorName(layer: l, projection), dimensions: [columns, rows],
                                     type: .f32, floats: dense.matrices[l][projection]!)
            }
        }
        let url = temporaryURL("base.gguf")
        try writer.write(to: url)
        return url
    }

    /// PEFT-initialized A and random B in ±`bRange` (B = 0 would leave the model unchanged).
    static func randomParameters(_ lora: LoRAConfiguration, config: LlamaConfig, bRange: Float,
                                 seed: UInt64) -> LoRAParameters {
        let layout = LoRALayout(config: config, rank: lora.rank, targets: lora.targets)
        var parameters = LoRAParameters(peftInitializedWith: layout, seed: seed)
        var rng = SplitMix64(seed: seed &+ 1)
        for l in 0..<layout.layerCount {
            for target in lora.targets {
                for i in layout.range(layer: l, target: target, .b)! { parameters.values[i] = rng.float(-bRange, bRange) }
            }
        }
        return parameters
    }

    /// A non-trivial adapter on all seven modules of `config`'s decoder.
    static func randomAdapter(config: LlamaConfig, rank: Int = 4, alpha: Float = 8, bRange: Float = 0.5,
                              seed: UInt64 = 7, targets: [LlamaProjection] = LlamaProjection.allCases) throws -> PEFTAdapter {
        let lora = LoRAConfiguration(rank: rank, alpha: alpha, dropout: 0, targets: targets, seed: seed)
        return try PEFTAdapter(lora: lora, parameters: randomParameters(lora, config: config, bRange: bRange, seed: seed),
                               config: config, baseModel: "tiny-random")
    }

    /// max |a − b| / max(1, |b|) over two logit tables.
    static func worstRelative(_ ours: [[Float]], _ theirs: [[Float]]) -> Float {
        zip(ours, theirs).flatMap { zip($0, $1).map { abs($0 - $1) / max(1, abs($1)) } }.max() ?? .infinity
    }

    /// ‖a − b‖₂ / ‖b‖₂ over two logit tables.
    static func relativeL2(_ ours: [[Float]], _ theirs: [[Float]]) -> Float {
        var diff: Double = 0, norm: Double = 0
        for (a, b) in zip(ours.joined(), theirs.joined()) {
            diff += Double(a - b) * Double(a - b)
            norm += Double(b) * Double(b)
        }
        return Float((diff / max(norm, 1e-30)).squareRoot())
    }

    /// Index of the largest value.
    static func argmax(_ values: [Float]) -> Int {
        values.indices.max { values[$0] < values[$1] }!
    }
}
