import Foundation
import Testing
import RagTuneModelFiles
import RagTuneModels
import RagTuneTensor
import RagTuneTraining
@testable import ragtune

/// `ragtune finetune` end to end on a tiny random Llama GGUF that carries SmolLM2's tokenizer:
/// command-line precedence, and a run killed with SIGKILL after its first checkpoint that,
/// resumed, repeats the losses of an uninterrupted run. Needs the SmolLM2 model (its tokenizer).
@Suite(.serialized) struct FineTuneCommandTests {
    static func folder() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("ragtune-ft-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }

    @Test func commandLineOverridesTheJobFile() throws {
        let dir = try Self.folder()
        let config = dir.appendingPathComponent("job.yaml")
        try Data("data_path: a.jsonl\nlora_r: 4\nlearning_rate: 3e-4\ncutoff_len: 64\n".utf8).write(to: config)
        let command = try FineTuneCommand.parse(["--config", config.path, "--lora-r", "16", "--learning-rate", "1e-4",
                                                 "--micro-batch-size", "2", "--loss", "all", "--skip-invalid"])
        let job = try command.resolvedJob()
        #expect(job.loraR == 16 && job.learningRate == 1e-4 && job.microBatchSize == 2)
        #expect(job.cutoffLen == 64 && job.dataPath == "a.jsonl" && job.trainOnInputs && job.skipInvalid)
        #expect(throws: (any Error).self) { try FineTuneCommand.parse(["--config", config.path, "--lora-r", "x"]).resolvedJob() }
        #expect(throws: (any Error).self) { try FineTuneCommand.parse(["somewhere/checkpoint-2"]) }
        let resume = try FineTuneCommand.parse(["--config", config.path, "--resume", "out/checkpoint-4"])
        #expect(resume.resume && resume.checkpoint == "out/checkpoint-4")
    }

    /// A 2-layer d=32 Llama with random F32 weights and SmolLM2's tokenizer and chat template.
    static func writeTinyModel(to url: URL) throws {
        let smol = try GGUFFile(url: ModelDirectory().file(ModelCatalog.smollm2.weightsFile, of: ModelCatalog.smollm2))
        let config = LlamaConfig(layerCount: 2, embeddingSize: 32, feedForwardSize: 64, headCount: 4, kvHeadCount: 2,
                                 ropeBase: 10_000, ropeDimensions: 8, rmsEpsilon: 1e-5,
                                 vocabularySize: try smol.requireTensor("token_embd.weight").rowCount, contextLength: 256)
        let weights = DenseLlamaWeights(randomWith: config, seed: 3)
        var writer = GGUFWriter()
        let meta: [(String, GGUFValue)] = [
            ("general.architecture", .string("llama")), ("llama.block_count", .uint32(2)),
            ("llama.embedding_length", .uint32(32)), ("llama.feed_forward_length", .uint32(64)),
            ("llama.attention.head_count", .uint32(4)), ("llama.attention.head_count_kv", .uint32(2)),
            ("llama.rope.dimension_count", .uint32(8)), ("llama.rope.freq_base", .float32(10_000)),
            ("llama.attention.layer_norm_rms_epsilon", .float32(1e-5)), ("llama.context_length", .uint32(256)),
        ]
        for (key, value) in meta { writer.setMetadata(key, value) }
        for key in smol.metadataKeys where key.hasPrefix("tokenizer.") { writer.setMetadata(key, smol.metadata[key]!) }
        let d = 32
        try writer.addTensor(name: "token_embd.weight", dimensions: [d, config.vocabularySize], type: .f32,
                             floats: weights.tokenEmbedding)
        try writer.addTensor(name: "output_norm.weight", dimensions: [d], type: .f32, floats: weights.finalNorm)
        let names: [(LlamaProjection, String)] = [(.query, "attn_q"), (.key, "attn_k"), (.value, "attn_v"),
                                                  (.output, "attn_output"), (.gate, "ffn_gate"), (.up, "ffn_up"), (.down, "ffn_down")]
        for l in 0..<2 {
            try writer.addTensor(name: "blk.\(l).attn_norm.weight", dimensions: [d], type: .f32, floats: weights.attentionNorms[l])
            try writer.addTensor(name: "blk.\(l).ffn_norm.weight", dimensions: [d], type: .f32, floats: weights.feedForwardNorms[l])
            for (projection, name) in names {
                let (rows, columns) = projection.shape(config)
                try writer.addTensor(name: "blk.\(l).\(name).weight", dimensions: [columns, rows], type: .f32,
                                     floats: weights.matrices[l][projection]!)
            }
        }
        try writer.write(to: url)
    }

    @Test func killedRunResumesWithTheSameLosses() throws {
        guard ModelDirectory().isInstalled(ModelCatalog.smollm2) else {
            print("SKIP: smollm2 not installed (its tokenizer builds the tiny test model)")
            return
        }
        guard let binary = IndexCommandTests.builtBinary() else { return }
        let dir = try Self.folder()
        let model = dir.appendingPathComponent("tiny.gguf")
        try Self.writeTinyModel(to: model)
        let lines = (0..<24).map { #"{"messages": [{"role": "user", "content": "What is \#($0) plus \#($0)?"}, {"role": "assistant", "content": "It is \#($0 * 2)."}]}"# }
        let data = dir.appendingPathComponent("train.jsonl")
        try Data(lines.joined(separator: "\n").utf8).write(to: data)
        let job = dir.appendingPathComponent("job.yaml")
        try Data("""
            base_model: \(model.path)
            data_path: \(data.path)
            val_set_size: 4
            lora_r: 4
            lora_dropout: 0.1
            learning_rate: 1e-2
            max_steps: 120
            micro_batch_size: 2
            gradient_accumulation_steps: 2
            warmup_ratio: 0.1
            lr_scheduler_type: cosine
            cutoff_len: 64
            eval_steps: 50
            save_steps: 5
            logging_steps: 10
            sample_prompts: 1
            sample_max_tokens: 4
            seed: 3
            threads: 1
            """.utf8).write(to: job)
        let full = try IndexCommandTests.runJSON(binary, ["finetune", "--config", job.path, "--output-dir",
                                                          dir.appendingPathComponent("full").path, "--json"], afterRecords: true)
        let fullLosses = try #require(full["step_losses"] as? [Double])
        #expect(fullLosses.count == 120 && full["eval_loss"] != nil)
        let report = try String(contentsOf: dir.appendingPathComponent("full/report.html"), encoding: .utf8)
        #expect(report.contains("<svg") && !report.contains("<script"))
        #expect(FileManager.default.fileExists(atPath: dir.appendingPathComponent("full/adapter_model.safetensors").path))

        let resumedDir = dir.appendingPathComponent("killed")
        let process = Process()
        process.executableURL = binary
        process.arguments = ["finetune", "--config", job.path, "--output-dir", resumedDir.path]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline, process.isRunning, TrainerCheckpoint.latest(in: resumedDir.path) == nil {
            Thread.sleep(forTimeInterval: 0.002)
        }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        #expect(process.terminationReason == .uncaughtSignal, "the run must be killed mid-way")
        let checkpoint = try #require(TrainerCheckpoint.latest(in: resumedDir.path))
        #expect(!FileManager.default.fileExists(atPath: resumedDir.appendingPathComponent("report.html").path))
        let resumed = try IndexCommandTests.runJSON(binary, ["finetune", "--config", job.path, "--output-dir", resumedDir.path,
                                                             "--json", "--resume"], afterRecords: true)
        print("killed after \(checkpoint.lastPathComponent); resumed run reports \(resumed["steps"] ?? "?") steps")
        #expect(resumed["step_losses"] as? [Double] == fullLosses)
        #expect(resumed["eval_loss"] as? Double == full["eval_loss"] as? Double)
        try? FileManager.default.removeItem(at: dir)
    }
}
