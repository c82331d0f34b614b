import Foundation
import RagTuneTraining

/// How `finetune` shows a run's events: the progress line and notes on stderr, and with `--json`
/// one JSON record per log entry and checkpoint on stdout.
struct FineTuneDisplay {
    let json: Bool
    private var progress: FineTuneProgress?
    private var lastLoss = 0.0, lastRate = 0.0, lastTokensPerSecond = 0.0

    init(json: Bool) { self.json = json }

    mutating func show(_ event: FineTuneEvent) throws {
        switch event {
        case .prepared(let totalSteps, let data):
            progress = FineTuneProgress(total: totalSteps, startStep: 0)
            progress?.note(data)
        case .resumed(let checkpoint, let step):
            progress = FineTuneProgress(total: progress?.total ?? step, startStep: step)
            progress?.note("resumed from \(checkpoint.path) at step \(step)")
        case .step(let step, let loss, let rate, _):
            (lastLoss, lastRate) = (loss, rate)
            progress?.update(step: step, loss: loss, learningRate: rate, tokensPerSecond: lastTokensPerSecond, logged: false)
        case .logged(let entry):
            if let tokensPerSecond = entry.tokensPerSecond {
                lastTokensPerSecond = tokensPerSecond
                progress?.update(step: entry.step, loss: lastLoss, learningRate: lastRate,
                                 tokensPerSecond: tokensPerSecond, logged: true)
            } else if let evalLoss = entry.evalLoss {
                progress?.note(String(format: "eval at step %d: loss %.4f, perplexity %.2f", entry.step, evalLoss,
                                      entry.evalPerplexity ?? .nan))
            }
            if json { try printJSON(TrainerLogRecord(entry)) }
        case .checkpoint(let url, let step):
            progress?.note("checkpoint \(url.path)")
            if json { try printJSON(CheckpointRecord(step: step, path: url.path)) }
        case .trained:
            progress?.finish()
        }
    }
}
