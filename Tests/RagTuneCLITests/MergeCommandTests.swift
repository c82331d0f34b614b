import Foundation
import Testing
import ArgumentParser
import RagTuneModels
import RagTuneTensor
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
        let error = #expect(throws: InputError.self) { try options.makeGenerator(threads: 1) }
        #expect(error?.description.contains("/nonexistent/merged.gguf") == true)
    }

    @Test func missingAdapterPathIsAClearError() throws {
        let config = LlamaConfig(layerCount: 1, embeddingSize: 32, feedForwardSize: 64, headCount: 4, kvHeadCount: 2,
                                 ropeBase: 10_000, ropeDimensions: 8, rmsEpsilon: 1e-5, vocabularySize: 50, contextLength: 64)
        let error = #expect(throws: InputError.self) {
            try DecoderOptions.load(path: "/nonexistent/adapter", config: config)
        }
        #expect(error?.description == "/nonexistent/adapter: no such adapter directory or file")
    }
}
