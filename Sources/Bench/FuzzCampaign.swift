import Foundation

/// Seeded mutation fuzzing of every file format a user hands RagTune (`ragtune bench fuzz`).
/// Each format's cases run in `bench fuzz-worker` children of `binary`, `jobs` formats at a time.
public enum FuzzCampaign {
    /// Runs `cases` cases of each format and reports the outcomes.
    /// - Parameters:
    ///   - out: folder for crash and hang inputs and logs (created).
    ///   - binary: the `ragtune` executable.
    ///   - log: each format's summary line as it finishes (`note`).
    /// - Throws: when a child cannot be started or an input cannot be saved.
    public static func run(formats: [FuzzFormat], cases: Int, seed: UInt64, jobs: Int, caseTimeout: Double,
                           out: URL, binary: URL, log: BenchLog) throws -> FuzzReport {
        let started = Date()
        try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
        let runners = formats.map {
            FuzzRunner(format: $0, cases: cases, seed: seed, timeout: caseTimeout, out: out, binary: binary)
        }
        var finished: [FuzzRunner] = []
        try FuzzRunner.runAll(runners, jobs: jobs) { runner in
            finished.append(runner)
            log.note(runner.summaryLine)
        }
        return FuzzReport(seed: seed, casesPerFormat: cases,
                          formats: finished.sorted { $0.format.rawValue < $1.format.rawValue }.map(\.report),
                          totalCases: finished.reduce(0) { $0 + $1.completed },
                          totalCrashes: finished.reduce(0) { $0 + $1.crashes.count },
                          totalHangs: finished.reduce(0) { $0 + $1.hangs.count },
                          totalViolations: finished.reduce(0) { $0 + $1.violations.count },
                          out: out.path, seconds: Date().timeIntervalSince(started), machine: .current())
    }
}
