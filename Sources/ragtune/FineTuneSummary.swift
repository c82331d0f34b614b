import Foundation
import RagTuneTensor
import RagTuneTraining

/// The end of a run: numbers for `--json` and the terminal, and the HTML report.
struct FineTuneSummary {
    let trainer: Trainer
    let data: FineTuneData
    let outputs: FineTuneOutputs
    let samples: [SampleGeneration]
    let seconds: Double

    private var state: TrainerState { trainer.state }
    private var finalTrainLoss: Double? { state.logHistory.last { $0.loss != nil }?.loss }
    private var tokensPerSecond: Double { Double(state.inputTokens) / max(state.trainSeconds, 1e-9) }

    func object() -> [String: Any] {
        var object: [String: Any] = [
            "type": "summary", "steps": state.step, "epochs": trainer.epochProgress,
            "train_examples": data.train.examples.count, "eval_examples": data.eval.examples.count,
            "skipped": data.skipped, "truncated": data.train.truncated + data.eval.truncated,
            "tokens": state.inputTokens, "learned_tokens": state.countedTokens,
            "tokens_per_second": tokensPerSecond, "train_seconds": state.trainSeconds, "seconds": seconds,
            "peak_rss_mb": ProcessMemory.current().peakResidentMB, "stopped_early": state.stoppedEarly,
            "step_losses": state.stepLosses,
            "outputs": ["adapter_dir": outputs.adapterDirectory.path, "adapter_gguf": outputs.ggufAdapter.path,
                        "trainer_state": outputs.trainerState.path, "report": outputs.report.path],
            "samples": samples.map { ["prompt": $0.prompt, "reference": $0.reference, "before": $0.before, "after": $0.after] },
        ]
        if let loss = finalTrainLoss { object["train_loss"] = loss }
        if let evaluation = state.lastEvaluation {
            object["eval_loss"] = evaluation.evalLoss
            object["eval_perplexity"] = evaluation.evalPerplexity
        }
        return object
    }

    func text() -> String {
        var lines = [String(format: "%d steps, %d tokens in %.1f s (%.0f tokens/s)", state.step, state.inputTokens,
                            state.trainSeconds, tokensPerSecond)]
        if let loss = finalTrainLoss { lines.append(String(format: "train loss %.4f", loss)) }
        if let evaluation = state.lastEvaluation, let loss = evaluation.evalLoss {
            lines.append(String(format: "eval loss %.4f, perplexity %.2f", loss, evaluation.evalPerplexity ?? .nan))
        }
        lines.append("adapter: \(outputs.adapterDirectory.path) (PEFT), \(outputs.ggufAdapter.path) (llama.cpp)")
        lines.append("report: \(outputs.report.path)")
        return lines.joined(separator: "\n")
    }

    func writeReport() throws {
        var rows: [(String, String)] = [
            ("steps", "\(state.step) of \(trainer.totalSteps)" + (state.stoppedEarly ? " (stopped early)" : "")),
            ("examples", data.describe()),
            ("tokens", "\(state.inputTokens) (\(state.countedTokens) learned)"),
            ("throughput", String(format: "%.0f tokens/s over %.1f s", tokensPerSecond, state.trainSeconds)),
            ("peak RSS", String(format: "%.0f MB", ProcessMemory.current().peakResidentMB)),
        ]
        if let loss = finalTrainLoss { rows.insert(("final train loss", String(format: "%.4f", loss)), at: 1) }
        if let evaluation = state.lastEvaluation, let loss = evaluation.evalLoss {
            rows.insert(("eval loss / perplexity", String(format: "%.4f / %.2f", loss, evaluation.evalPerplexity ?? .nan)), at: 2)
        }
        let html = FineTuneReport(job: trainer.job, state: state, summary: rows, samples: samples).html()
        try Data(html.utf8).write(to: outputs.report, options: .atomic)
    }
}
