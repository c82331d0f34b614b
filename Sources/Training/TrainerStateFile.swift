import Foundation

/// `trainer_state.json`, the one schema of both the final file in `output_dir` and the one in each
/// `checkpoint-N`: Hugging Face's summary keys (`global_step`, `epoch`, `max_steps`, `log_history`,
/// …, plus RagTune's exact per-step losses and token counts), and in checkpoints also what a
/// resumed run needs (`job`, `state`, `adamStep`).
public struct TrainerStateFile: Sendable, Codable {
    /// Hugging Face's `TrainerState` keys and RagTune's totals.
    public struct Summary: Sendable, Equatable, Codable {
        public var globalStep: Int
        /// Epochs done, fractional.
        public var epoch: Double
        public var maxSteps: Int
        public var numTrainEpochs: Double
        /// Sequences per micro-batch.
        public var trainBatchSize: Int
        public var gradientAccumulationSteps: Int
        public var loggingSteps: Int
        public var evalSteps: Int
        public var saveSteps: Int
        public var stoppedEarly: Bool
        /// Learned tokens and all input tokens trained on.
        public var countedTokens: Int
        public var inputTokens: Int
        /// Seconds spent in training steps.
        public var trainSeconds: Double
        /// Training loss of every step, in order.
        public var stepLosses: [Double]
        public var logHistory: [TrainerLogRecord]

        enum CodingKeys: String, CodingKey {
            case globalStep = "global_step", epoch, maxSteps = "max_steps", numTrainEpochs = "num_train_epochs"
            case trainBatchSize = "train_batch_size", gradientAccumulationSteps = "gradient_accumulation_steps"
            case loggingSteps = "logging_steps", evalSteps = "eval_steps", saveSteps = "save_steps"
            case stoppedEarly = "stopped_early", countedTokens = "counted_tokens", inputTokens = "input_tokens"
            case trainSeconds = "train_seconds", stepLosses = "step_losses", logHistory = "log_history"
        }
    }

    /// What a checkpoint adds so that a run resumes exactly (older checkpoints hold only this).
    public struct Resume: Sendable, Codable {
        /// The job the checkpoint was trained with.
        public var job: FineTuneJob
        public var state: TrainerState
        /// AdamW's step count.
        public var adamStep: Int
    }

    public var summary: Summary
    /// Present in checkpoints, absent in the final file.
    public var resume: Resume?

    /// The trainer's state file; `resumable` adds what a checkpoint needs.
    public init(_ trainer: Trainer, resumable: Bool) {
        let state = trainer.state, job = trainer.job
        summary = Summary(globalStep: state.step, epoch: trainer.epochProgress, maxSteps: trainer.totalSteps,
                          numTrainEpochs: job.numTrainEpochs, trainBatchSize: job.microBatchSize,
                          gradientAccumulationSteps: job.gradientAccumulationSteps, loggingSteps: job.loggingSteps,
                          evalSteps: job.evalSteps, saveSteps: job.saveSteps, stoppedEarly: state.stoppedEarly,
                          countedTokens: state.countedTokens, inputTokens: state.inputTokens,
                          trainSeconds: state.trainSeconds, stepLosses: state.stepLosses,
                          logHistory: state.logHistory.map(TrainerLogRecord.init))
        resume = resumable ? Resume(job: job, state: state, adamStep: trainer.optimizer.step) : nil
    }

    /// Both parts share one JSON object.
    public init(from decoder: any Decoder) throws {
        summary = try Summary(from: decoder)
        let keys = try decoder.container(keyedBy: AnyKey.self)
        resume = keys.contains(AnyKey(stringValue: "job")) ? try Resume(from: decoder) : nil
    }

    public func encode(to encoder: any Encoder) throws {
        try summary.encode(to: encoder)
        try resume?.encode(to: encoder)
    }

    /// Pretty-printed, keys sorted, as the file is written.
    public func data() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(self)
    }
}
