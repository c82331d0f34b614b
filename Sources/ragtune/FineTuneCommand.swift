import ArgumentParser
import Foundation
import RagTuneModels
import RagTuneTensor
import RagTuneTraining

/// `ragtune finetune`: LoRA fine-tuning of a GGUF Llama model on chat JSONL.
struct FineTuneCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "finetune",
        abstract: "LoRA fine-tuning on chat JSONL, on CPU, with checkpoints and a report.",
        discussion: """
            Settings come from --config (JSON, or YAML for any other extension) with Hugging Face / \
            axolotl key names (lora_r, learning_rate, micro_batch_size, cutoff_len, ...); every \
            key can be overridden on the command line in kebab-case (--lora-r 16); unknown keys \
            are errors. Data lines are {"messages": [{"role", "content"}, ...]} or \
            {"prompt", "completion"}; an invalid line stops the run naming file:line and field \
            unless --skip-invalid. Writes output_dir/checkpoint-N every save_steps, the final PEFT \
            adapter (adapter_model.safetensors + adapter_config.json) and llama.cpp adapter \
            (adapter.gguf), trainer_state.json and report.html. --resume continues from the \
            latest checkpoint (or the one given) exactly as an uninterrupted run would.
            """)

    @Option(help: "Job file (JSON or YAML).")
    var config: String?

    @OptionGroup var overrides: FineTuneOverrides

    @Flag(help: "Continue from a checkpoint: the one given as argument, else the latest in output_dir.")
    var resume = false

    @Argument(help: "With --resume: a checkpoint directory.")
    var checkpoint: String?

    @Flag(help: "JSONL records per logging step and evaluation on stdout, then a JSON summary.")
    var json = false

    func validate() throws {
        if checkpoint != nil && !resume { throw ValidationError("a checkpoint path is only accepted after --resume") }
    }

    /// The job file's settings with the command-line overrides applied, validated.
    func resolvedJob() throws -> FineTuneJob {
        let job = try config.map(FineTuneJob.load(from:)) ?? FineTuneJob()
        let resolved = try job.overriding(try overrides.values())
        try resolved.validate()
        return resolved
    }

    func run() throws {
        let job = try resolvedJob()
        try job.checkPaths()
        let started = Date()
        let generator = try TextGenerator(url: try modelURL(job.baseModel), threads: job.threads)
        let cutoff = min(job.cutoffLen, generator.model.config.contextLength)
        let encoder = try ChatExampleEncoder(tokenizer: generator.tokenizer, template: generator.template,
                                             trainOnInputs: job.trainOnInputs, cutoffLength: cutoff)
        let data = try FineTuneData(job: job, encoder: encoder)
        let trainer = try Trainer(job: job, base: generator.model, train: data.train.examples.map(\.sequence),
                                  eval: data.eval.examples.map(\.sequence))
        var progress = FineTuneProgress(total: trainer.totalSteps, startStep: 0)
        progress.note(data.describe())
        try FileManager.default.createDirectory(atPath: job.outputDir, withIntermediateDirectories: true)
        if resume {
            guard let directory = checkpoint.map({ URL(fileURLWithPath: $0, isDirectory: true) })
                    ?? TrainerCheckpoint.latest(in: job.outputDir) else {
                throw ValidationError("--resume: no checkpoint-N directory in \(job.outputDir)")
            }
            try TrainerCheckpoint.restore(trainer, from: directory)
            progress = FineTuneProgress(total: trainer.totalSteps, startStep: trainer.state.step)
            progress.note("resumed from \(directory.path) at step \(trainer.state.step)")
        }
        let samples = FineTuneSamples(eval: data.eval.examples, count: job.samplePrompts, maxTokens: job.sampleMaxTokens)
        let before = try samples.generate(generator, adapter: nil)
        var lastLoss = 0.0, lastRate = 0.0, lastTokensPerSecond = 0.0
        try trainer.run { event in
            switch event {
            case .step(let step, let loss, let rate, _):
                (lastLoss, lastRate) = (loss, rate)
                progress.update(step: step, loss: loss, learningRate: rate, tokensPerSecond: lastTokensPerSecond, logged: false)
            case .logged(let entry):
                if let tokensPerSecond = entry.tokensPerSecond {
                    lastTokensPerSecond = tokensPerSecond
                    progress.update(step: entry.step, loss: lastLoss, learningRate: lastRate,
                                    tokensPerSecond: tokensPerSecond, logged: true)
                } else if let evalLoss = entry.evalLoss {
                    progress.note(String(format: "eval at step %d: loss %.4f, perplexity %.2f", entry.step, evalLoss,
                                         entry.evalPerplexity ?? .nan))
                }
                if json { print(JSONText.object(Self.record(entry))) }
            case .checkpoint(let url):
                progress.note("checkpoint \(url.path)")
                if json { print(JSONText.object(["type": "checkpoint", "step": trainer.state.step, "path": url.path])) }
            }
        }
        progress.finish()
        let outputs = try FineTuneOutputs.write(trainer: trainer, job: job)
        let after = try samples.generate(generator, adapter: PEFTAdapter(model: trainer.model).inferenceAdapter)
        let summary = FineTuneSummary(trainer: trainer, data: data, outputs: outputs,
                                      samples: samples.pairs(before: before, after: after),
                                      seconds: Date().timeIntervalSince(started))
        try summary.writeReport()
        if json {
            print(JSONText.object(summary.object()))
        } else {
            print(summary.text())
        }
    }

    /// A catalog model's installed GGUF, or the path itself.
    private func modelURL(_ name: String) throws -> URL {
        if let spec = ModelCatalog.named(name) { return try ModelDirectory().file(spec.weightsFile, of: spec) }
        guard FileManager.default.fileExists(atPath: name) else {
            throw ValidationError("base_model '\(name)' is neither a catalog model ("
                                  + ModelCatalog.all.map(\.name).joined(separator: ", ") + ") nor an existing GGUF file")
        }
        return URL(fileURLWithPath: name)
    }

    /// One `--json` log record.
    static func record(_ entry: TrainerLogEntry) -> [String: Any] {
        var object: [String: Any] = ["type": entry.evalLoss == nil ? "log" : "eval", "step": entry.step, "epoch": entry.epoch]
        let optional: [(String, Double?)] = [("loss", entry.loss), ("learning_rate", entry.learningRate),
                                              ("grad_norm", entry.gradNorm), ("tokens_per_second", entry.tokensPerSecond),
                                              ("eval_loss", entry.evalLoss), ("eval_perplexity", entry.evalPerplexity)]
        for case let (key, value?) in optional { object[key] = value }
        return object
    }
}
