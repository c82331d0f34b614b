import Foundation

/// Training progress on stderr: a redrawn status line (step, loss, learning rate, tokens/s,
/// ETA) on a terminal, otherwise one plain line per logging step.
struct FineTuneProgress {
    let total: Int
    private let started = Date()
    private let startStep: Int
    private var lastDraw = Date.distantPast
    private let isTerminal = isatty(STDERR_FILENO) == 1

    init(total: Int, startStep: Int) {
        self.total = total
        self.startStep = startStep
    }

    /// Shows step `step` done; `logged` forces a line off-terminal.
    mutating func update(step: Int, loss: Double, learningRate: Double, tokensPerSecond: Double, logged: Bool) {
        let now = Date()
        if isTerminal {
            guard logged || step == total || now.timeIntervalSince(lastDraw) >= 0.2 else { return }
        } else if !logged {
            return
        }
        lastDraw = now
        let done = step - startStep
        let perStep = now.timeIntervalSince(started) / Double(max(1, done))
        let eta = ProgressBar.clock(perStep * Double(total - step))
        let status = String(format: "step %d/%d  loss %.4f  lr %.2e  %.0f tok/s  ETA %@",
                            step, total, loss, learningRate, tokensPerSecond, eta)
        if isTerminal {
            ProgressBar.redraw("finetune \(ProgressBar.bar(step, of: total, width: 24)) \(status)")
        } else {
            logError("finetune: \(status)")
        }
    }

    /// Prints a message on its own line (ends a terminal status line first).
    func note(_ message: String) {
        if isTerminal { ProgressBar.redraw("") }
        logError(message)
    }

    /// Ends the status line.
    func finish() {
        if isTerminal { fputs("\n", CStream.error) }
    }
}
