import ArgumentParser
import RagTuneTraining

/// Command-line versions of every job setting: each flag is the kebab-case of its key (and
/// aliases) in `FineTuneJob.settings`, with that row's help. A value given here replaces the job
/// file's and is checked by the same reader as the file. Swift Argument Parser needs each option
/// as a property; `values()` finds them by name (the property is the camel case of the key or an alias), and
/// `FineTuneCommandTests` checks that every setting has its flag.
struct FineTuneOverrides: ParsableArguments {
    @Option(name: names("base_model"), help: help("base_model")) var baseModel: String?
    @Option(name: names("data_path"), help: help("data_path")) var dataPath: String?
    @Option(name: names("eval_file"), help: help("eval_file")) var evalFile: String?
    @Option(name: names("val_set_size"), help: help("val_set_size")) var valSetSize: String?
    @Option(name: names("output_dir"), help: help("output_dir")) var outputDir: String?
    @Option(name: names("lora_r"), help: help("lora_r")) var loraR: String?
    @Option(name: names("lora_alpha"), help: help("lora_alpha")) var loraAlpha: String?
    @Option(name: names("lora_dropout"), help: help("lora_dropout")) var loraDropout: String?
    @Option(name: names("lora_target_modules"), help: help("lora_target_modules")) var loraTargetModules: String?
    @Option(name: names("learning_rate"), help: help("learning_rate")) var learningRate: String?
    @Option(name: names("num_train_epochs"), help: help("num_train_epochs")) var numTrainEpochs: String?
    @Option(name: names("max_steps"), help: help("max_steps")) var maxSteps: String?
    @Option(name: names("per_device_train_batch_size"), help: help("per_device_train_batch_size")) var microBatchSize: String?
    @Option(name: names("gradient_accumulation_steps"), help: help("gradient_accumulation_steps"))
    var gradientAccumulationSteps: String?
    @Option(name: names("warmup_steps"), help: help("warmup_steps")) var warmupSteps: String?
    @Option(name: names("warmup_ratio"), help: help("warmup_ratio")) var warmupRatio: String?
    @Option(name: names("lr_scheduler_type"), help: help("lr_scheduler_type")) var lrSchedulerType: String?
    @Option(name: names("lr_scheduler_kwargs"), help: help("lr_scheduler_kwargs")) var lrSchedulerKwargs: String?
    @Option(name: names("weight_decay"), help: help("weight_decay")) var weightDecay: String?
    @Option(name: names("max_grad_norm"), help: help("max_grad_norm")) var maxGradNorm: String?
    @Option(name: names("cutoff_len"), help: help("cutoff_len")) var cutoffLen: String?
    @Option(name: names("train_on_inputs"), help: help("train_on_inputs")) var trainOnInputs: String?
    @Option(help: "assistant (default) or all: which tokens count in the loss.") var loss: String?
    @Option(name: names("group_by_length"), help: help("group_by_length")) var groupByLength: String?
    @Option(name: names("gradient_checkpointing"), help: help("gradient_checkpointing")) var gradientCheckpointing: String?
    @Option(name: names("eval_steps"), help: help("eval_steps")) var evalSteps: String?
    @Option(name: names("save_steps"), help: help("save_steps")) var saveSteps: String?
    @Option(name: names("logging_steps"), help: help("logging_steps")) var loggingSteps: String?
    @Option(name: names("early_stopping_patience"), help: help("early_stopping_patience")) var earlyStoppingPatience: String?
    @Option(name: names("early_stopping_threshold"), help: help("early_stopping_threshold")) var earlyStoppingThreshold: String?
    @Option(name: names("seed"), help: help("seed")) var seed: String?
    @Option(name: names("threads"), help: help("threads")) var threads: String?
    @Option(name: names("sample_prompts"), help: help("sample_prompts")) var samplePrompts: String?
    @Option(name: names("sample_max_tokens"), help: help("sample_max_tokens")) var sampleMaxTokens: String?
    @Flag(name: names("skip_invalid"), help: help("skip_invalid")) var skipInvalid = false

    /// The flags of a setting: its key and aliases in kebab case.
    static func names(_ key: String) -> NameSpecification {
        NameSpecification(setting(key).flags.map { .customLong(String($0.dropFirst(2))) })
    }

    /// The help line of a setting.
    static func help(_ key: String) -> ArgumentHelp { ArgumentHelp(setting(key).help) }

    private static func setting(_ key: String) -> FineTuneSetting {
        guard let setting = FineTuneJob.setting(key) else { preconditionFailure("no job setting \(key)") }
        return setting
    }

    /// The given overrides by job key: every `String?` option but `--loss`, under the setting
    /// whose key or alias is the snake case of its property name.
    func values() throws -> [String: String] {
        var values: [String: String] = [:]
        for child in Mirror(reflecting: self).children {
            guard let label = child.label, let option = child.value as? Option<String?>,
                  let value = option.wrappedValue, label != "_loss" else { continue }
            let name = Self.snakeCase(label.dropFirst())
            values[FineTuneJob.setting(name)?.key ?? name] = value
        }
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

    /// `lora_r` for `loraR`.
    static func snakeCase(_ name: Substring) -> String {
        name.reduce(into: "") { text, character in text += character.isUppercase ? "_" + character.lowercased() : String(character) }
    }
}
