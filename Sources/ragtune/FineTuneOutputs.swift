import Foundation
import RagTuneTraining

/// The files a finished run leaves in `output_dir`: the PEFT adapter, the llama.cpp adapter and
/// `trainer_state.json` (Hugging Face's layout: `global_step`, `epoch`, `log_history`, plus the
/// exact per-step losses).
struct FineTuneOutputs {
    let adapterDirectory: URL
    let ggufAdapter: URL
    let trainerState: URL
    let report: URL

    static func write(trainer: Trainer, job: FineTuneJob) throws -> FineTuneOutputs {
        let directory = URL(fileURLWithPath: job.outputDir, isDirectory: true)
        let adapter = try PEFTAdapter(model: trainer.model, baseModel: PEFTAdapter.defaultBaseModel)
        try adapter.write(to: directory)
        let gguf = directory.appendingPathComponent("adapter.gguf")
        try GGUFAdapter.write(adapter.inferenceAdapter, to: gguf)
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
        let url = directory.appendingPathComponent("trainer_state.json")
        let data = try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
        try data.write(to: url, options: .atomic)
        return FineTuneOutputs(adapterDirectory: directory, ggufAdapter: gguf, trainerState: url,
                               report: directory.appendingPathComponent("report.html"))
    }
}
