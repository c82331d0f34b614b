import RagTuneTensor
import RagTuneModels

/// Everything a LoRA fine-tuning run needs, with the field names of Hugging Face's
/// `TrainingArguments`, PEFT's `LoraConfig` and axolotl's YAML (`lora_r`, `micro_batch_size`,
/// `cutoff_len`, …), so existing job files read unchanged. Decoded from JSON or YAML by
/// `FineTuneJob.load(from:)`; an unknown key is an error naming it, so a typo never falls back
/// to a default silently. Defaults follow Hugging Face unless noted. Each setting's key, help,
/// reader and range check are its row of `FineTuneJob.settings`.
public struct FineTuneJob: Sendable, Equatable {
    /// How the learning rate moves after warmup.
    public enum Scheduler: String, Sendable, Codable, CaseIterable {
        /// Linear decay to 0 at the last step (HF `linear`, the default).
        case linear
        /// Half a cosine period down to 0 (HF `cosine`).
        case cosine
        /// Stays at `learning_rate` (HF `constant` / `constant_with_warmup`).
        case constant
        /// Multiplied by `lr_scheduler_kwargs.factor` when the eval loss stops improving
        /// (HF `reduce_lr_on_plateau`, torch's `ReduceLROnPlateau`).
        case reduceOnPlateau = "reduce_on_plateau"
    }

    /// torch `ReduceLROnPlateau` settings (HF passes them as `lr_scheduler_kwargs`), with its defaults.
    public struct PlateauOptions: Sendable, Equatable, Codable {
        /// Factor applied to the learning rate on a plateau.
        public var factor: Double = 0.1
        /// Evaluations without improvement tolerated before reducing.
        public var patience: Int = 10
        /// Relative improvement that counts: new < best · (1 − threshold).
        public var threshold: Double = 1e-4
        /// Floor of the learning rate.
        public var minLR: Double = 0

        enum CodingKeys: String, CodingKey, CaseIterable {
            case factor, patience, threshold, minLR = "min_lr"
        }

        public init() {}
    }

    /// GGUF path or catalog name (`smollm2`).
    public var baseModel = "smollm2"
    /// Training JSONL (`data_path`, alias `train_file`).
    public var dataPath: String?
    /// Evaluation JSONL; when absent, `val_set_size` examples are held out of the training file.
    public var evalFile: String?
    /// Held-out examples: a count (≥ 1) or a fraction in (0, 1); 0 holds out none (axolotl).
    public var valSetSize: Double = 0
    /// Where checkpoints, the final adapter, `trainer_state.json` and `report.html` go.
    public var outputDir = "lora-out"
    public var loraR = 8
    public var loraAlpha: Double = 16
    public var loraDropout: Double = 0.05
    /// PEFT module names, or `all-linear` for all seven.
    public var loraTargetModules: [LlamaProjection] = LlamaProjection.allCases
    /// Peak learning rate (2e-4, the usual LoRA recipe; HF's full fine-tuning default is 5e-5).
    public var learningRate: Double = 2e-4
    public var numTrainEpochs: Double = 3
    /// Optimizer steps; > 0 overrides `num_train_epochs` (HF's −1 means unset).
    public var maxSteps = -1
    /// Sequences per micro-batch (`per_device_train_batch_size`, alias `micro_batch_size`).
    public var microBatchSize = 4
    public var gradientAccumulationSteps = 1
    public var warmupSteps = 0
    /// Fraction of the total steps used for warmup when `warmup_steps` is 0.
    public var warmupRatio: Double = 0
    public var lrSchedulerType = Scheduler.linear
    public var lrSchedulerKwargs = PlateauOptions()
    public var weightDecay: Double = 0
    /// Global gradient-norm clip; 0 disables clipping.
    public var maxGradNorm: Double = 1
    /// Longest tokenized example; longer ones are truncated at the end (axolotl).
    public var cutoffLen = 512
    /// Train on every token, not only the assistant replies.
    public var trainOnInputs = false
    /// Batch examples of similar length together (seeded shuffle of length-sorted batches).
    public var groupByLength = false
    public var gradientCheckpointing = false
    /// Evaluate every this many steps (0: only at the end).
    public var evalSteps = 0
    /// Checkpoint every this many steps (0: no intermediate checkpoints).
    public var saveSteps = 500
    public var loggingSteps = 10
    /// Stop after this many evaluations without an improvement larger than the threshold (nil: never).
    public var earlyStoppingPatience: Int?
    public var earlyStoppingThreshold: Double = 0
    public var seed: UInt64 = 42
    public var threads = 2
    /// Count and skip invalid examples instead of stopping at the first (default: stop).
    public var skipInvalid = false
    /// Held-out prompts generated before and after training in the report (RagTune's own key).
    public var samplePrompts = 3
    /// Longest sample generation, in tokens.
    public var sampleMaxTokens = 32

    public init() {}

    /// The adapter hyper-parameters, seeded from the job's seed.
    public var lora: LoRAConfiguration {
        LoRAConfiguration(rank: loraR, alpha: Float(loraAlpha), dropout: Float(loraDropout),
                          targets: LlamaProjection.allCases.filter(loraTargetModules.contains), seed: seed)
    }

    /// Checks the files and folders the job names, before any model is loaded: `data_path` and
    /// `eval_file` must be readable files, `output_dir` a folder (or creatable).
    /// - Throws: `TrainingError.invalidJob` naming the key, the path and what is wrong.
    public func checkPaths() throws {
        for (key, path) in [("data_path", dataPath), ("eval_file", evalFile)] {
            if let path, let problem = FileCheck.problemReading(path) {
                throw TrainingError.invalidJob(key: key, reason: "\(path): \(problem)")
            }
        }
        if let problem = FileCheck.problemUsingFolder(outputDir) {
            throw TrainingError.invalidJob(key: "output_dir", reason: "\(outputDir): \(problem)")
        }
    }

    /// Checks every setting's range (its row of `settings`), then the settings that exclude or
    /// need each other.
    /// - Throws: `TrainingError.invalidJob` naming the first setting out of range.
    public func validate() throws {
        for setting in Self.settings {
            if let problem = setting.problem(self) { throw TrainingError.invalidJob(key: setting.key, reason: problem) }
        }
        func check(_ ok: Bool, _ key: String, _ reason: String) throws {
            if !ok { throw TrainingError.invalidJob(key: key, reason: reason) }
        }
        try check(!(evalFile != nil && valSetSize > 0), "val_set_size", "give either eval_file or val_set_size, not both")
        try check(maxSteps > 0 || numTrainEpochs > 0, "num_train_epochs", "is \(numTrainEpochs); must be positive (or set max_steps)")
        try check(!(warmupSteps > 0 && warmupRatio > 0), "warmup_ratio", "give either warmup_steps or warmup_ratio, not both")
    }
}
