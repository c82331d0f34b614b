import Foundation

/// Progress on stderr: a redrawn bar with rate and ETA when stderr is a terminal, otherwise a
/// plain line every `logInterval` seconds (so logs and CI output stay readable).
struct ProgressBar {
    let label: String
    var total: Int
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
            Self.redraw("\(label) \(Self.bar(done, of: total, width: 28)) \(status)")
        } else {
            logError("\(label): \(status)")
        }
    }

    /// On a terminal, draws the final count and ends the bar's line.
    mutating func finish(_ done: Int) {
        guard isTerminal else { return }
        update(done, force: true)
        fputs("\n", CStream.error)
    }

    /// `M:SS` or `H:MM:SS`; "-" for a negative or unknown duration.
    static func clock(_ seconds: Double) -> String {
        guard seconds.isFinite, seconds >= 0 else { return "-" }
        let s = Int(seconds.rounded())
        return s >= 3600 ? String(format: "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60) : String(format: "%d:%02d", s / 60, s % 60)
    }

    /// A bar of `width` cells, filled in proportion to `done` of `total` (full when `total` is 0).
    static func bar(_ done: Int, of total: Int, width: Int) -> String {
        let filled = total > 0 ? min(width, width * done / total) : width
        return String(repeating: "█", count: filled) + String(repeating: "░", count: width - filled)
    }

    /// Replaces the terminal's current line on stderr with `line`.
    static func redraw(_ line: String) {
        fputs("\r\u{1B}[2K\(line)", CStream.error)
    }
}
