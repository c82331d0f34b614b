/// Where a benchmark reports while it runs (the CLI sends both to stderr). A benchmark never
/// prints: stdout belongs to the command's report.
public struct BenchLog {
    /// Lines worth showing in every mode, also beside `--json` (long waits: embedding a corpus,
    /// the crash trials' reference runs).
    public var progress: (String) -> Void
    /// Lines that belong to the text report only (the machine line, per-step notes).
    public var note: (String) -> Void

    /// - Parameters:
    ///   - progress: lines shown in every mode.
    ///   - note: lines shown only beside the text report.
    public init(progress: @escaping (String) -> Void, note: @escaping (String) -> Void) {
        self.progress = progress
        self.note = note
    }

    /// Reports nothing (tests).
    public static var silent: BenchLog { BenchLog(progress: { _ in }, note: { _ in }) }
}
