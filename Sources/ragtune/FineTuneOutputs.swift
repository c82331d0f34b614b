import Foundation
import RagTuneTraining

/// The files a finished run leaves in `output_dir`: the PEFT adapter, the llama.cpp adapter and
/// `trainer_state.json` (Hugging Face's layout: `global_step`, `epoch`, `log_history`, plus the
/// exact per-step losses). They are written to a hidden folder inside `output_dir` and moved into
/// place only once all are complete and the weights are finite, so a failed run never replaces a
/// good adapter.
struct FineTuneOutputs {
    let adapterDirectory: URL
    let ggufAdapter: URL
    let trainerState: URL
    let report: URL

    static func write(trainer: Trainer, job: FineTuneJob) throws -> FineTuneOutputs {
        guard trainer.model.parameters.values.allSatisfy(\.isFinite) else {
            throw TrainingError.nonFinite("the trained adapter has non-finite weights; nothing was written to \(job.outputDir)")
        }
        let directory = URL(fileURLWithPath: job.outputDir, isDirectory: true)
        let staging = directory.appendingPathComponent(".final.tmp-\(getpid())", isDirectory: true)
        let manager = FileManager.default
        try? manager.removeItem(at: staging)
        try manager.createDirectory(at: staging, withIntermediateDirectories: true)
        defer { try? manager.removeItem(at: staging) }
        let adapter = try PEFTAdapter(model: trainer.model, baseModel: PEFTAdapter.defaultBaseModel)
        try adapter.write(to: staging)
        try GGUFAdapter.write(adapter.inferenceAdapter, to: staging.appendingPathComponent("adapter.gguf"))
        let state = trainer.state
        let object: [String: Any] = [
            "global_step": state.step, "epoch": trainer.epochProgress, "max_steps": trainer.totalSteps,
            "num_train_epochs": job.numTrainEpochs, "train_batch_size": job.microBatchSize,
            "gradient_accumulation_steps": job.gradientAccumulationSteps, "logging_steps": job.loggingSteps,
            "eval_steps": job.evalSteps, "save_steps": job.saveSteps, "stopped_early": state.stoppedEarly,
            "counted_tokens": state.countedTokens, "input_tokens": state.inputTokens,
            "train_seconds": state.trainSeconds, "step_losses": state.stepLosses,
            "log_history": state.logHistory.map(FineTuneCommand.record),
        ]
        let data = try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
        try data.write(to: staging.appendingPathComponent("trainer_state.json"), options: .atomic)
        for name in try manager.contentsOfDirectory(atPath: staging.path).sorted() {
            let target = directory.appendingPathComponent(name)
            if rename(staging.appendingPathComponent(name).path, target.path) != 0 {
                throw OutputError.errno(target.path)
            }
        }
        return FineTuneOutputs(adapterDirectory: directory, ggufAdapter: directory.appendingPathComponent("adapter.gguf"),
                               trainerState: directory.appendingPathComponent("trainer_state.json"),
                               report: directory.appendingPathComponent("report.html"))
    }
}
