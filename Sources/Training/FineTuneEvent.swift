import Foundation

/// What a `FineTuneRun` reports as it goes, in order: `prepared`, maybe `resumed`, the trainer's
/// `step`, `logged` and `checkpoint` events, then `trained` before samples and files are written.
public enum FineTuneEvent: Sendable {
    /// Data loaded and encoded, the trainer built: the run's total steps and one line describing
    /// the examples (counts, learned tokens, truncated, skipped by reason).
    case prepared(totalSteps: Int, data: String)
    /// Restored from the checkpoint folder at `step`.
    case resumed(checkpoint: URL, step: Int)
    /// One optimizer step done.
    case step(step: Int, loss: Double, learningRate: Double, gradNorm: Double)
    /// A training or evaluation entry appended to the log.
    case logged(TrainerLogEntry)
    /// A checkpoint written after `step` steps.
    case checkpoint(URL, step: Int)
    /// The last step is done (or early stopping ended the run).
    case trained
}
