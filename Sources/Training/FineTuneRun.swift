import Foundation
import RagTuneModels
import RagTuneTensor

/// A whole LoRA fine-tuning run as one call, what `ragtune finetune` (and any server or
/// comparison job) runs: resolve and load the base model, load and split the data, greedy samples
/// before training, train (checkpoints every `save_steps`, optionally resumed from one), samples
/// after, then the PEFT and llama.cpp adapters, `trainer_state.json` and `report.html`.
public struct FineTuneRun: Sendable {
    /// Where a resumed run continues from.
    public enum ResumePoint: Sendable, Equatable {
        /// The `checkpoint-N` with the most steps in `output_dir`.
        case latest
        /// This checkpoint folder.
        case checkpoint(URL)
    }

    /// The settings, validated again by `run`.
    public var job: FineTuneJob
    /// nil: start from scratch.
    public var resume: ResumePoint?
    /// Resolves `base_model`.
    public var locator: ModelLocator

    public init(job: FineTuneJob, resume: ResumePoint? = nil, locator: ModelLocator = ModelLocator()) {
        self.job = job
        self.resume = resume
        self.locator = locator
    }

    /// Runs the job to its end.
    /// - Parameter progress: told of each stage and training event, on the calling thread.
    /// - Returns: the summary numbers, the files written and the samples.
    /// - Throws: `TrainingError` for an invalid job, unreadable data or checkpoint, or a
    ///   non-finite loss; `ModelError` for a base model that cannot be loaded. A run that throws
    ///   leaves any earlier adapter in `output_dir` untouched.
    public func run(progress: (FineTuneEvent) throws -> Void = { _ in }) throws -> FineTuneResult {
        try job.validate()
        try job.checkPaths()
        let started = Date()
        let generator = try TextGenerator(url: baseModelFile(), threads: job.threads)
        let cutoff = min(job.cutoffLen, generator.model.config.contextLength)
        let encoder = try ChatExampleEncoder(tokenizer: generator.tokenizer, template: generator.template,
                                             trainOnInputs: job.trainOnInputs, cutoffLength: cutoff)
        let data = try FineTuneData(job: job, encoder: encoder)
        let trainer = try Trainer(job: job, base: generator.model, train: data.train.examples.map(\.sequence),
                                  eval: data.eval.examples.map(\.sequence))
        try progress(.prepared(totalSteps: trainer.totalSteps, data: data.describe()))
        try FileManager.default.createDirectory(atPath: job.outputDir, withIntermediateDirectories: true)
        if let checkpoint = try resumeCheckpoint() {
            try TrainerCheckpoint.restore(trainer, from: checkpoint)
            try progress(.resumed(checkpoint: checkpoint, step: trainer.state.step))
        }
        let samples = FineTuneSamples(eval: data.eval.examples, count: job.samplePrompts, maxTokens: job.sampleMaxTokens)
        let before = try samples.generate(generator, adapter: nil)
        try trainer.run { event in
            switch event {
            case .step(let step, let loss, let learningRate, let gradNorm):
                try progress(.step(step: step, loss: loss, learningRate: learningRate, gradNorm: gradNorm))
            case .logged(let entry): try progress(.logged(entry))
            case .checkpoint(let url): try progress(.checkpoint(url, step: trainer.state.step))
            }
        }
        try progress(.trained)
        let outputs = try FineTuneOutputs.write(trainer: trainer)
        let after = try samples.generate(generator, adapter: PEFTAdapter(model: trainer.model).inferenceAdapter)
        let result = Self.result(trainer: trainer, data: data, outputs: outputs,
                                 samples: samples.pairs(before: before, after: after),
                                 seconds: Date().timeIntervalSince(started))
        let report = FineTuneReport(job: job, state: trainer.state,
                                    summary: result.reportRows(totalSteps: trainer.totalSteps, data: data.describe()),
                                    samples: result.samples)
        try Data(report.html().utf8).write(to: URL(fileURLWithPath: outputs.report), options: .atomic)
        return result
    }

    /// The installed catalog model or GGUF file `base_model` names.
    func baseModelFile() throws -> URL {
        do { return try locator.weightsFile(job.baseModel) } catch let error as ModelError {
            throw TrainingError.invalidJob(key: "base_model", reason: "\(error)")
        }
    }

    /// The checkpoint folder to restore, nil when not resuming.
    func resumeCheckpoint() throws -> URL? {
        switch resume {
        case nil: return nil
        case .checkpoint(let url): return url
        case .latest:
            guard let latest = TrainerCheckpoint.latest(in: job.outputDir) else {
                throw TrainingError.fileError(path: job.outputDir, reason: "no checkpoint-N directory to resume from")
            }
            return latest
        }
    }

    static func result(trainer: Trainer, data: FineTuneData, outputs: FineTuneOutputs,
                       samples: [SampleGeneration], seconds: Double) -> FineTuneResult {
        let state = trainer.state
        let evaluation = state.lastEvaluation
        return FineTuneResult(
            steps: state.step, epochs: trainer.epochProgress, trainExamples: data.train.examples.count,
            evalExamples: data.eval.examples.count, skipped: data.skipped, truncated: data.train.truncated + data.eval.truncated,
            tokens: state.inputTokens, learnedTokens: state.countedTokens,
            tokensPerSecond: Double(state.inputTokens) / max(state.trainSeconds, 1e-9), trainSeconds: state.trainSeconds,
            seconds: seconds, peakRSSMB: ProcessMemory.current().peakResidentMB, stoppedEarly: state.stoppedEarly,
            stepLosses: state.stepLosses, trainLoss: state.logHistory.last { $0.loss != nil }?.loss,
            evalLoss: evaluation?.evalLoss, evalPerplexity: evaluation?.evalPerplexity, outputs: outputs, samples: samples)
    }
}
