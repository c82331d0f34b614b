import ArgumentParser
import RagTuneTraining

/// Command-line versions of every job setting (kebab-case of the job file's keys). A value
/// given here replaces the job file's; values are checked by the same decoder as the file.
struct FineTuneOverrides: ParsableArguments {
    @Option(help: "GGUF path or catalog name (smollm2).") var baseModel: String?
    @Option(name: [.customLong("data-path"), .customLong("train-file")], help: "Training JSONL.") var dataPath: String?
    @Option(help: "Evaluation JSONL.") var evalFile: String?
    @Option(help: "Held-out examples: a count, or a fraction in (0, 1).") var valSetSize: String?
    @Option(help: "Output directory.") var outputDir: String?
    @Option(help: "LoRA rank.") var loraR: String?
    @Option(help: "LoRA alpha.") var loraAlpha: String?
    @Option(help: "LoRA dropout.") var loraDropout: String?
    @Option(help: "Comma-separated modules (q_proj,...), or all-linear.") var loraTargetModules: String?
    @Option(help: "Peak learning rate.") var learningRate: String?
    @Option(help: "Epochs (may be fractional).") var numTrainEpochs: String?
    @Option(help: "Optimizer steps; overrides epochs when > 0.") var maxSteps: String?
    @Option(name: [.customLong("per-device-train-batch-size"), .customLong("micro-batch-size")],
            help: "Sequences per micro-batch.") var microBatchSize: String?
    @Option(help: "Micro-batches per optimizer step.") var gradientAccumulationSteps: String?
    @Option(help: "Warmup steps.") var warmupSteps: String?
    @Option(help: "Warmup as a fraction of all steps.") var warmupRatio: String?
    @Option(help: "linear, cosine, constant or reduce_on_plateau.") var lrSchedulerType: String?
    @Option(help: "Plateau settings as JSON: {\"factor\", \"patience\", \"threshold\", \"min_lr\"}.") var lrSchedulerKwargs: String?
    @Option(help: "AdamW weight decay.") var weightDecay: String?
    @Option(help: "Gradient-norm clip (0: none).") var maxGradNorm: String?
    @Option(help: "Longest example in tokens (longer ones are truncated).") var cutoffLen: String?
    @Option(help: "true: learn every token, not only replies.") var trainOnInputs: String?
    @Option(help: "assistant (default) or all: which tokens count in the loss.") var loss: String?
    @Option(help: "true: batch examples of similar length.") var groupByLength: String?
    @Option(help: "true: recompute activations in the backward pass.") var gradientCheckpointing: String?
    @Option(help: "Evaluate every N steps (0: at the end only).") var evalSteps: String?
    @Option(help: "Checkpoint every N steps (0: none).") var saveSteps: String?
    @Option(help: "Log every N steps.") var loggingSteps: String?
    @Option(help: "Stop after N evaluations without improvement.") var earlyStoppingPatience: String?
    @Option(help: "Smallest eval-loss improvement that counts.") var earlyStoppingThreshold: String?
    @Option(help: "Seed of initialization, data order and dropout.") var seed: String?
    @Option(help: "Worker threads.") var threads: String?
    @Option(help: "Held-out prompts generated before/after training.") var samplePrompts: String?
    @Option(help: "Longest sample generation in tokens.") var sampleMaxTokens: String?
    @Flag(help: "Count and skip invalid examples instead of stopping at the first.") var skipInvalid = false

    /// The given overrides by job key.
    func values() throws -> [String: String] {
        var values: [String: String] = [:]
        let options: [(String, String?)] = [
            ("base_model", baseModel), ("data_path", dataPath), ("eval_file", evalFile), ("val_set_size", valSetSize),
            ("output_dir", outputDir), ("lora_r", loraR), ("lora_alpha", loraAlpha), ("lora_dropout", loraDropout),
            ("lora_target_modules", loraTargetModules), ("learning_rate", learningRate),
            ("num_train_epochs", numTrainEpochs), ("max_steps", maxSteps), ("per_device_train_batch_size", microBatchSize),
            ("gradient_accumulation_steps", gradientAccumulationSteps), ("warmup_steps", warmupSteps),
            ("warmup_ratio", warmupRatio), ("lr_scheduler_type", lrSchedulerType), ("lr_scheduler_kwargs", lrSchedulerKwargs),
            ("weight_decay", weightDecay), ("max_grad_norm", maxGradNorm), ("cutoff_len", cutoffLen),
            ("train_on_inputs", trainOnInputs), ("group_by_length", groupByLength),
            ("gradient_checkpointing", gradientCheckpointing), ("eval_steps", evalSteps), ("save_steps", saveSteps),
            ("logging_steps", loggingSteps), ("early_stopping_patience", earlyStoppingPatience),
            ("early_stopping_threshold", earlyStoppingThreshold), ("seed", seed), ("threads", threads),
            ("sample_prompts", samplePrompts), ("sample_max_tokens", sampleMaxTokens),
        ]
        for case let (key, value?) in options { values[key] = value }
        if let loss {
            guard loss == "all" || loss == "assistant" else {
                throw ValidationError("--loss: use assistant or all, not '\(loss)'")
            }
            if trainOnInputs != nil { throw ValidationError("give --loss or --train-on-inputs, not both") }
            values["train_on_inputs"] = loss == "all" ? "true" : "false"
        }
        if skipInvalid { values["skip_invalid"] = "true" }
        return values
    }
}
