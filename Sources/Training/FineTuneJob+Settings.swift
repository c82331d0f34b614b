import RagTuneTensor

extension FineTuneJob {
    /// Every setting, once: key (and aliases), how it is read, help, range check. Adding a setting
    /// is a property of `FineTuneJob` (its type and default) and a row here; the job-file reader
    /// and writer, `--kebab-case` overrides, `validate()` and the report all follow this table.
    public static let settings: [FineTuneSetting] = [
        .setting("base_model", \.baseModel, .string, "GGUF path or catalog name (smollm2).",
                 check: { $0.isEmpty ? "must be a GGUF path or a catalog name" : nil }),
        .optional("data_path", aliases: ["train_file"], \.dataPath, .string, "Training JSONL.",
                  check: { $0.isEmpty ? requiredData : nil }, whenUnset: requiredData),
        .optional("eval_file", \.evalFile, .string, "Evaluation JSONL."),
        .setting("val_set_size", \.valSetSize, .number, "Held-out examples: a count, or a fraction in (0, 1).",
                 check: { $0 >= 0 && ($0 < 1 || $0 == $0.rounded()) ? nil : "is \($0): a whole count or a fraction in (0, 1)" }),
        .setting("output_dir", \.outputDir, .string, "Output directory.", check: { $0.isEmpty ? "must not be empty" : nil }),
        .setting("lora_r", \.loraR, .integer, "LoRA rank.", check: {
            (1...LoRAConfiguration.maximumRank).contains($0) ? nil : "is \($0); must be in 1...\(LoRAConfiguration.maximumRank)"
        }),
        .setting("lora_alpha", \.loraAlpha, .number, "LoRA alpha.", check: SettingCheck.positive),
        .setting("lora_dropout", \.loraDropout, .number, "LoRA dropout.", check: SettingCheck.fraction),
        .setting("lora_target_modules", \.loraTargetModules, .modules, "Comma-separated modules (q_proj,...), or all-linear.",
                 check: { $0.isEmpty ? "must name at least one module" : Set($0).count < $0.count ? "lists a module twice" : nil }),
        .setting("learning_rate", \.learningRate, .number, "Peak learning rate.", check: SettingCheck.positive),
        .setting("num_train_epochs", \.numTrainEpochs, .number, "Epochs (may be fractional)."),
        .setting("max_steps", \.maxSteps, .integer, "Optimizer steps; overrides epochs when > 0."),
        .setting("per_device_train_batch_size", aliases: ["micro_batch_size"], \.microBatchSize, .integer,
                 "Sequences per micro-batch.", check: SettingCheck.atLeast(1)),
        .setting("gradient_accumulation_steps", \.gradientAccumulationSteps, .integer, "Micro-batches per optimizer step.",
                 check: SettingCheck.atLeast(1)),
        .setting("warmup_steps", \.warmupSteps, .integer, "Warmup steps.", check: SettingCheck.nonNegative),
        .setting("warmup_ratio", \.warmupRatio, .number, "Warmup as a fraction of all steps.", check: SettingCheck.fraction),
        .setting("lr_scheduler_type", \.lrSchedulerType, .scheduler, "linear, cosine, constant or reduce_on_plateau."),
        .setting("lr_scheduler_kwargs", \.lrSchedulerKwargs, .plateau,
                 "Plateau settings as JSON: {\"factor\", \"patience\", \"threshold\", \"min_lr\"}.", check: { plateau in
            guard plateau.factor > 0 && plateau.factor < 1 else { return "factor \(plateau.factor) must be in (0, 1)" }
            guard plateau.patience >= 0 && plateau.threshold >= 0 && plateau.minLR >= 0 else {
                return "patience, threshold and min_lr must be ≥ 0"
            }
            return nil
        }),
        .setting("weight_decay", \.weightDecay, .number, "AdamW weight decay.", check: SettingCheck.nonNegative),
        .setting("max_grad_norm", \.maxGradNorm, .number, "Gradient-norm clip (0: none).",
                 check: { $0 >= 0 ? nil : "is \($0); must be ≥ 0 (0 disables clipping)" }),
        .setting("cutoff_len", \.cutoffLen, .integer, "Longest example in tokens (longer ones are truncated).",
                 check: { $0 >= 2 ? nil : "is \($0); must be at least 2 tokens" }),
        .setting("train_on_inputs", \.trainOnInputs, .boolean, "true: learn every token, not only replies."),
        .setting("group_by_length", \.groupByLength, .boolean, "true: batch examples of similar length."),
        .setting("gradient_checkpointing", \.gradientCheckpointing, .boolean,
                 "true: recompute activations in the backward pass."),
        .setting("eval_steps", \.evalSteps, .integer, "Evaluate every N steps (0: at the end only).",
                 check: SettingCheck.nonNegative),
        .setting("save_steps", \.saveSteps, .integer, "Checkpoint every N steps (0: none).", check: SettingCheck.nonNegative),
        .setting("logging_steps", \.loggingSteps, .integer, "Log every N steps.", check: SettingCheck.atLeast(1)),
        .optional("early_stopping_patience", \.earlyStoppingPatience, .integer,
                  "Stop after N evaluations without improvement.", check: SettingCheck.atLeast(1)),
        .setting("early_stopping_threshold", \.earlyStoppingThreshold, .number, "Smallest eval-loss improvement that counts.",
                 check: SettingCheck.nonNegative),
        .setting("seed", \.seed, .seed, "Seed of initialization, data order and dropout."),
        .setting("threads", \.threads, .integer, "Worker threads.", check: {
            ThreadLimit.problem(with: $0, option: "threads") == nil
                ? nil : "is \($0); must be in 1...\(ThreadLimit.maximum) (4 × the logical cores)"
        }),
        .setting("skip_invalid", \.skipInvalid, .boolean, "Count and skip invalid examples instead of stopping at the first."),
        .setting("sample_prompts", \.samplePrompts, .integer, "Held-out prompts generated before/after training.",
                 check: SettingCheck.nonNegative),
        .setting("sample_max_tokens", \.sampleMaxTokens, .integer, "Longest sample generation in tokens.",
                 check: SettingCheck.atLeast(1)),
    ]

    private static let requiredData = "required: the training JSONL (data_path or train_file)"

    /// The setting with this key or alias, or nil.
    public static func setting(_ key: String) -> FineTuneSetting? {
        settings.first { $0.key == key || $0.aliases.contains(key) }
    }
}
