import Foundation

/// What a finished `FineTuneRun` did (`finetune --json`'s summary object): steps, data, tokens,
/// throughput, losses, the files written and the sample generations.
public struct FineTuneResult: Sendable, Equatable, Codable {
    /// Always `summary` (the record type among the `--json` lines).
    public var type = "summary"
    /// Optimizer steps done.
    public var steps: Int
    /// Epochs done, fractional.
    public var epochs: Double
    /// Examples trained on, and held out or read from `eval_file`.
    public var trainExamples: Int
    public var evalExamples: Int
    /// Left-out examples of both files by reason.
    public var skipped: [String: Int]
    /// Examples cut to `cutoff_len`.
    public var truncated: Int
    /// All input tokens trained on, and the learned (loss-counted) ones.
    public var tokens: Int
    public var learnedTokens: Int
    /// Input tokens per second of training time.
    public var tokensPerSecond: Double
    /// Seconds in training steps, and of the whole run (loading, samples and files included).
    public var trainSeconds: Double
    public var seconds: Double
    /// Peak resident memory of the process, MB.
    public var peakRSSMB: Double
    public var stoppedEarly: Bool
    /// Training loss of every step, in order.
    public var stepLosses: [Double]
    /// Mean training loss of the last training log entry (nil before the first one).
    public var trainLoss: Double?
    /// Loss and perplexity of the last evaluation (nil without one).
    public var evalLoss: Double?
    public var evalPerplexity: Double?
    /// The files written into `output_dir`.
    public var outputs: FineTuneOutputs
    /// Held-out prompts answered greedily before and after training.
    public var samples: [SampleGeneration]

    enum CodingKeys: String, CodingKey {
        case type, steps, epochs, trainExamples = "train_examples", evalExamples = "eval_examples", skipped, truncated
        case tokens, learnedTokens = "learned_tokens", tokensPerSecond = "tokens_per_second"
        case trainSeconds = "train_seconds", seconds, peakRSSMB = "peak_rss_mb", stoppedEarly = "stopped_early"
        case stepLosses = "step_losses", trainLoss = "train_loss", evalLoss = "eval_loss"
        case evalPerplexity = "eval_perplexity", outputs, samples
    }

    /// The summary rows of `report.html`, in display order.
    func reportRows(totalSteps: Int, data: String) -> [(String, String)] {
        var rows: [(String, String)] = [
            ("steps", "\(steps) of \(totalSteps)" + (stoppedEarly ? " (stopped early)" : "")),
            ("examples", data),
            ("tokens", "\(tokens) (\(learnedTokens) learned)"),
            ("throughput", String(format: "%.0f tokens/s over %.1f s", tokensPerSecond, trainSeconds)),
            ("peak RSS", String(format: "%.0f MB", peakRSSMB)),
        ]
        if let trainLoss { rows.insert(("final train loss", String(format: "%.4f", trainLoss)), at: 1) }
        if let evalLoss {
            rows.insert(("eval loss / perplexity", String(format: "%.4f / %.2f", evalLoss, evalPerplexity ?? .nan)), at: 2)
        }
        return rows
    }
}
