import Foundation

/// Progress on stderr: a redrawn bar with rate and ETA when stderr is a terminal, otherwise a
/// plain line every `logInterval` seconds (so logs and CI output stay readable).
struct ProgressBar {
    let label: String
    let total: Int
    let unit: String
    var logInterval: TimeInterval = 10
    private let started = Date()
    private var lastDraw = Date.distantPast
    private let isTerminal = isatty(STDERR_FILENO) == 1

    init(_ label: String, total: Int, unit: String = "docs") {
        self.label = label
        self.total = total
        self.unit = unit
    }

    /// Shows `done` of `total`; redraws at most 5 times a second (or logs every `logInterval` s).
    mutating func update(_ done: Int, force: Bool = false) {
        let now = Date()
        guard force || now.timeIntervalSince(lastDraw) >= (isTerminal ? 0.2 : logInterval) else { return }
        lastDraw = now
        let elapsed = now.timeIntervalSince(started)
        let rate = Double(done) / max(elapsed, 1e-9)
        let eta = rate > 0 && total > done ? Self.clock(Double(total - done) / rate) : "-"
        let status = String(format: "%d/%d %@  %.1f %@/s  ETA %@", done, total, unit, rate, unit, eta)
        if isTerminal {
            let width = 28, filled = total > 0 ? min(width, width * done / total) : width
            let bar = String(repeating: "█", count: filled) + String(repeating: "░", count: width - filled)
            FileHandle.standardError.write(Data("\r\u{1B}[2K\(label) \(bar) \(status)".utf8))
        } else {
            logError("\(label): \(status)")
        }
    }

    /// On a terminal, draws the final count and ends the bar's line.
    mutating func finish(_ done: Int) {
        guard isTerminal else { return }
        update(done, force: true)
        FileHandle.standardError.write(Data("\n".utf8))
    }

    private static func clock(_ seconds: Double) -> String {
        let s = Int(seconds.rounded())
        return s >= 3600 ? String(format: "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60) : String(format: "%d:%02d", s / 60, s % 60)
    }
}
