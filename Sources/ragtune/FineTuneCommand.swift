import ArgumentParser
import Foundation
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
        let run = FineTuneRun(job: try resolvedJob(),
                              resume: resume ? checkpoint.map { .checkpoint(URL(fileURLWithPath: $0, isDirectory: true)) } ?? .latest : nil)
        var display = FineTuneDisplay(json: json)
        let result = try run.run { try display.show($0) }
        if json {
            try printJSON(result)
        } else {
            try StandardOutput.line(Self.text(result))
        }
    }

    /// The terminal summary: steps and throughput, losses, where the adapters and report are.
    static func text(_ result: FineTuneResult) -> String {
        var lines = [String(format: "%d steps, %d tokens in %.1f s (%.0f tokens/s)", result.steps, result.tokens,
                            result.trainSeconds, result.tokensPerSecond)]
        if let loss = result.trainLoss { lines.append(String(format: "train loss %.4f", loss)) }
        if let loss = result.evalLoss {
            lines.append(String(format: "eval loss %.4f, perplexity %.2f", loss, result.evalPerplexity ?? .nan))
        }
        lines.append("adapter: \(result.outputs.adapterDirectory) (PEFT), \(result.outputs.ggufAdapter) (llama.cpp)")
        lines.append("report: \(result.outputs.report)")
        return lines.joined(separator: "\n")
    }
}
