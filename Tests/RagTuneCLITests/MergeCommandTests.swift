import Foundation
import Testing
import ArgumentParser
import RagTuneModels
import RagTuneTensor
import RagTuneTestSupport
import RagTuneTraining
@testable import RagTuneBench
@testable import ragtune

/// `ragtune merge` and `--adapter` parsing (the merge itself runs end to end in `AdapterParityTests`).
@Suite struct MergeCommandTests {
    @Test func quantizeNamesMapToTypes() throws {
        for (name, type) in [("f16", QuantType.f16), ("Q8_0", .q8_0), ("q4_1", .q4_1), ("f32", .f32)] {
            let command = try MergeCommand.parse(["--adapter", "a", "--quantize", name, "--output", "m.gguf"])
            #expect(command.outputType == type)
        }
        #expect(try MergeCommand.parse(["--adapter", "a", "--output", "m.gguf"]).base == "smollm2")
        #expect(throws: (any Error).self) { try MergeCommand.parse(["--adapter", "a", "--quantize", "q5_k", "--output", "m.gguf"]) }
        #expect(throws: (any Error).self) { try MergeCommand.parse(["--adapter", "a"]) } // --output is required
    }

    @Test func generateAndChatTakeAnAdapter() throws {
        #expect(try GenerateCommand.parse(["hello", "--adapter", "/tmp/peft"]).decoderOptions.adapter == "/tmp/peft")
        #expect(try GenerateCommand.parse(["hello"]).decoderOptions.adapter == nil)
        #expect(try ChatCommand.parse(["--adapter", "lora.gguf"]).decoderOptions.adapter == "lora.gguf")
        #expect(try GenerateCommand.parse(["hi", "--model-file", "m.gguf"]).decoderOptions.modelFile == "m.gguf")
        #expect(try EvalQACommand.parse(["--qa", "q.jsonl", "--strategy", "closed-book", "--adapter", "a"])
            .generatorOptions.decoderOptions.adapter == "a")
        // a remote generator cannot take a local model or adapter
        #expect(throws: (any Error).self) {
            try EvalQACommand.parse(["--qa", "q.jsonl", "--generator", "openai", "--base-url", "http://127.0.0.1:1/v1",
                                     "--model", "m", "--adapter", "a"])
        }
    }

    @Test func missingModelFileIsAClearError() throws {
        let options = try DecoderOptions.parse(["--model-file", "/nonexistent/merged.gguf"])
        let error = #expect(throws: ModelError.self) { try options.makeGenerator(threads: 1) }
        #expect(error?.description.contains("/nonexistent/merged.gguf") == true)
    }

    @Test func missingAdapterPathIsAClearError() throws {
        let error = #expect(throws: ModelError.self) {
            try AdapterLoader.load("/nonexistent/adapter", config: FuzzTinyModel.trainingConfig)
        }
        #expect(error?.description == "/nonexistent/adapter: no such adapter directory or file")
    }

    /// `merge --json` on a tiny random GGUF and a PEFT adapter on all seven modules: the numbers,
    /// and the key names of the JSON object (`MergeResult`).
    @Test func mergeWritesALoadableModelAndKeepsItsJSONKeys() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("ragtune-merge-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let config = FuzzTinyModel.trainingConfig
        let base = dir.appendingPathComponent("base.gguf"), peft = dir.appendingPathComponent("peft")
        let merged = dir.appendingPathComponent("merged.gguf")
        try FuzzTinyModel.gguf(config).write(to: base)
        let lora = LoRAConfiguration(rank: 4, alpha: 8, dropout: 0, seed: 1)
        let layout = LoRALayout(config: config, rank: lora.rank, targets: lora.targets)
        try PEFTAdapter(lora: lora, parameters: LoRAParameters(peftInitializedWith: layout, seed: 1), config: config).write(to: peft)
        let command = try MergeCommand.parse(["--adapter", peft.path, "--base", base.path, "--quantize", "q8_0",
                                              "--output", merged.path, "--threads", "1"])
        let result = try ModelMerger.merge(baseModel: command.base, adapter: command.adapter,
                                           type: try #require(command.outputType), output: command.output,
                                           threads: command.threadOptions.threads)
        let size = try #require(try merged.resourceValues(forKeys: [.fileSizeKey]).fileSize)
        #expect(result.adaptedMatrices == config.layerCount * LlamaProjection.allCases.count)
        #expect(result.bytes == size && result.base == base.path && result.output == merged.path && result.type == "Q8_0")
        #expect(try JSONKeys.keys(of: result) == ["output", "base", "type", "adapted_matrices", "bytes", "seconds"])
    }
}
