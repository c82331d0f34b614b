import Foundation
import Testing
import RagTuneModelFiles
import RagTuneModels
import RagTuneTensor
@testable import RagTuneTraining

/// PEFT directories and llama.cpp LoRA GGUFs: round trips, the q/k row order, and errors.
@Suite struct AdapterFilesTests {
    let config = AdapterTestSupport.config

    @Test func peftDirectoryRoundTripIsIdentity() throws {
        let adapter = try AdapterTestSupport.randomAdapter(config: config)
        let directory = AdapterTestSupport.temporaryURL("peft")
        try adapter.write(to: directory)
        let loaded = try PEFTAdapter(directory: directory, config: config)
        #expect(loaded.parameters == adapter.parameters)
        #expect(loaded.lora == LoRAConfiguration(rank: 4, alpha: 8, dropout: 0, targets: LlamaProjection.allCases, seed: 0))
        #expect(loaded.baseModel == "tiny-random")
        // F16 storage rounds but keeps the row order
        let half = AdapterTestSupport.temporaryURL("peft16")
        try adapter.write(to: half, dtype: .f16)
        let rounded = try PEFTAdapter(directory: half, config: config)
        let worst = zip(rounded.parameters.values, adapter.parameters.values).map { abs($0 - $1) }.max()!
        #expect(worst < 1e-3)
    }

    @Test func peftConfigHasPEFTsFields() throws {
        let adapter = try AdapterTestSupport.randomAdapter(config: config, rank: 4, alpha: 8, targets: [.query, .value, .down])
        let directory = AdapterTestSupport.temporaryURL("peft-config")
        try adapter.write(to: directory)
        let data = try Data(contentsOf: directory.appendingPathComponent("adapter_config.json"))
        let json = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(json["peft_type"] as? String == "LORA")
        #expect(json["task_type"] as? String == "CAUSAL_LM")
        #expect(json["r"] as? Int == 4)
        #expect(json["lora_alpha"] as? Int == 8)
        #expect(json["lora_dropout"] as? Double == 0)
        #expect(json["target_modules"] as? [String] == ["q_proj", "v_proj", "down_proj"])
        #expect(json["bias"] as? String == "none")
        #expect(json["fan_in_fan_out"] as? Bool == false)
        #expect(json["use_rslora"] as? Bool == false)
        #expect(json["use_dora"] as? Bool == false)
        #expect(json["inference_mode"] as? Bool == true)
        #expect(json["base_model_name_or_path"] as? String == "tiny-random")
        #expect(json["modules_to_save"] is NSNull)
        let weights = try SafetensorsFile(url: directory.appendingPathComponent("adapter_model.safetensors"))
        #expect(weights.tensorNames.count == 2 * 3 * config.layerCount)
        #expect(weights.info("base_model.model.model.layers.1.self_attn.q_proj.lora_A.weight")?.shape == [4, 32])
        #expect(weights.info("base_model.model.model.layers.1.self_attn.q_proj.lora_B.weight")?.shape == [32, 4])
        #expect(weights.info("base_model.model.model.layers.0.mlp.down_proj.lora_A.weight")?.shape == [4, 64])
        #expect(weights.metadata["format"] == "pt")
    }

    /// Hand-computed: a head of 4 rows [h0, h1, h2, h3] in Hugging Face order is [h0, h2, h1, h3]
    /// in GGUF order (adjacent RoPE pairs (0, 2), (1, 3) become rows (0, 1), (2, 3)).
    @Test func ropeRowOrderMatchesTheConvertScript() {
        let hf: [Float] = [0, 0.5, 1, 1.5, 2, 2.5, 3, 3.5, 10, 11, 12, 13, 14, 15, 16, 17] // 2 heads × 4 rows × 2 columns
        let gguf = RoPERowOrder.reorder(hf, columns: 2, headSize: 4, toGGUF: true)
        #expect(gguf == [0, 0.5, 2, 2.5, 1, 1.5, 3, 3.5, 10, 11, 14, 15, 12, 13, 16, 17])
        #expect(RoPERowOrder.reorder(gguf, columns: 2, headSize: 4, toGGUF: false) == hf)
    }

    /// A PEFT adapter written by hand in Hugging Face order loads as the reasoning says: A as is,
    /// q/k B rows permuted like `convert_hf_to_gguf.py`'s `permute` (reshape(heads, 2, hs/2) →
    /// swapaxes(1, 2)); v/o/MLP untouched.
    @Test func peftFileInHuggingFaceOrderLoadsPermuted() throws {
        let rank = 2
        let lora = LoRAConfiguration(rank: rank, alpha: 4, dropout: 0, targets: [.query, .key, .value])
        var writer = SafetensorsWriter()
        var expected = LoRAParameters(zerosWith: LoRALayout(config: config, rank: rank, targets: lora.targets))
        var rng = SplitMix64(seed: 3)
        for l in 0..<config.layerCount {
            for target in lora.targets {
                let (rows, columns) = target.shape(config)
                let a = rng.floats(rank * columns), bHF = rng.floats(rows * rank)
                try writer.add(name: PEFTAdapter.tensorName(layer: l, target, .a), dtype: .f32, shape: [rank, columns], floats: a)
                try writer.add(name: PEFTAdapter.tensorName(layer: l, target, .b), dtype: .f32, shape: [rows, rank], floats: bHF)
                var bGGUF = bHF
                if target != .value {
                    let hs = config.headSize, heads = rows / hs
                    for h in 0..<heads {
                        for j in 0..<(hs / 2) {
                            for c in 0..<2 {
                                let from = h * hs + c * (hs / 2) + j, to = h * hs + 2 * j + c
                                for k in 0..<rank { bGGUF[to * rank + k] = bHF[from * rank + k] }
                            }
                        }
                    }
                }
                let layout = expected.layout
                expected.values.replaceSubrange(layout.range(layer: l, target: target, .a)!, with: a)
                expected.values.replaceSubrange(layout.range(layer: l, target: target, .b)!, with: bGGUF)
            }
        }
        let directory = AdapterTestSupport.temporaryURL("peft-hf")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try writer.write(to: directory.appendingPathComponent("adapter_model.safetensors"))
        let json = #"{"peft_type": "LORA", "r": 2, "lora_alpha": 4, "target_modules": ["v_proj", "q_proj", "k_proj"], "#
            + #""lora_dropout": 0.0, "bias": "none", "task_type": "CAUSAL_LM", "modules_to_save": null}"#
        try Data(json.utf8).write(to: directory.appendingPathComponent("adapter_config.json"))
        let loaded = try PEFTAdapter(directory: directory, config: config)
        #expect(loaded.lora.targets == [.query, .key, .value])
        #expect(loaded.lora.scale == 2)
        #expect(loaded.parameters == expected)
    }

    @Test func peftErrorsNameTheFileAndTensor() throws {
        let adapter = try AdapterTestSupport.randomAdapter(config: config, targets: [.query, .up])
        let directory = AdapterTestSupport.temporaryURL("peft-errors")
        try adapter.write(to: directory)
        // another decoder shape: the A of q_proj has the wrong number of columns
        var wider = config
        wider.embeddingSize = 64
        #expect(throws: ModelFilesError.invalidTensor(
            file: directory.appendingPathComponent("adapter_model.safetensors").path,
            tensor: "base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight",
            reason: "shape [4, 32]; r = 4 on a [64, 64] matrix needs [4, 64]")) {
            try PEFTAdapter(directory: directory, config: wider)
        }
        // more layers than the file holds
        var deeper = config
        deeper.layerCount = 3
        #expect(throws: ModelFilesError.tensorNotFound(
            file: directory.appendingPathComponent("adapter_model.safetensors").path,
            name: "base_model.model.model.layers.2.self_attn.q_proj.lora_A.weight")) {
            try PEFTAdapter(directory: directory, config: deeper)
        }
        // an option RagTune cannot apply
        let configURL = directory.appendingPathComponent("adapter_config.json")
        let text = try String(contentsOf: configURL, encoding: .utf8)
        try Data(text.replacingOccurrences(of: "\"use_dora\" : false", with: "\"use_dora\" : true").utf8).write(to: configURL)
        #expect(throws: ModelFilesError.invalidMetadata(file: configURL.path, key: "use_dora",
                                                        reason: "is true; DoRA adapters are not supported")) {
            try PEFTAdapter(directory: directory, config: config)
        }
    }

    @Test func ggufAdapterRoundTripAndMetadata() throws {
        let adapter = try AdapterTestSupport.randomAdapter(config: config, rank: 4, alpha: 8, targets: [.query, .output, .down])
        let url = AdapterTestSupport.temporaryURL("adapter.gguf")
        try GGUFAdapter.write(adapter.inferenceAdapter, to: url, name: "tiny")
        let gguf = try GGUFFile(url: url)
        #expect(try gguf.string("general.type") == "adapter")
        #expect(try gguf.string("adapter.type") == "lora")
        #expect(try gguf.string("general.architecture") == "llama")
        #expect(gguf.metadata["adapter.lora.alpha"] == .float32(8))
        #expect(gguf.tensor(named: "blk.1.attn_q.weight.lora_a")?.dimensions == [32, 4])
        #expect(gguf.tensor(named: "blk.1.attn_q.weight.lora_b")?.dimensions == [4, 32])
        #expect(gguf.tensor(named: "blk.0.ffn_down.weight.lora_a")?.dimensions == [64, 4])
        #expect(gguf.tensor(named: "blk.0.attn_output.weight.lora_b")?.type == .f32)
        #expect(gguf.tensors.count == 2 * 3 * config.layerCount)
        #expect(try GGUFAdapter.read(gguf, config: config) == adapter.inferenceAdapter)

        let half = AdapterTestSupport.temporaryURL("adapter16.gguf")
        try GGUFAdapter.write(adapter.inferenceAdapter, to: half, type: .f16)
        let rounded = try GGUFAdapter.read(url: half, config: config)
        let w = try #require(rounded.weights(layer: 1, .down)), original = adapter.inferenceAdapter.weights(layer: 1, .down)!
        #expect(zip(w.b, original.b).map { abs($0 - $1) }.max()! < 1e-3)
        #expect(w.scale == 2)
    }

    @Test func ggufAdapterErrors() throws {
        let adapter = try AdapterTestSupport.randomAdapter(config: config, targets: [.value])
        var writer = try GGUFAdapter.writer(for: adapter.inferenceAdapter)
        writer.setMetadata("general.type", .string("model"))
        let wrongType = try GGUFFile(bytes: writer.serialized(), name: "wrong-type.gguf")
        #expect(throws: ModelFilesError.invalidMetadata(file: "wrong-type.gguf", key: "general.type",
                                                        reason: "is 'model'; a llama LoRA adapter has 'adapter'")) {
            try GGUFAdapter.read(wrongType, config: config)
        }
        var unpaired = try GGUFAdapter.writer(for: LoRAAdapter(layers: [[:], [:]]))
        try unpaired.addTensor(name: "blk.0.attn_v.weight.lora_a", dimensions: [32, 4], type: .f32,
                               floats: [Float](repeating: 0, count: 128))
        let missingB = try GGUFFile(bytes: unpaired.serialized(), name: "unpaired.gguf")
        #expect(throws: ModelFilesError.tensorNotFound(file: "unpaired.gguf", name: "blk.0.attn_v.weight.lora_b")) {
            try GGUFAdapter.read(missingB, config: config)
        }
    }
}
