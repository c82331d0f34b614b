import ArgumentParser
import Foundation
import RagTuneBench

/// `ragtune bench fuzz`: seeded mutation fuzzing of every file format a user hands RagTune
/// (`FuzzCampaign`). Each format's cases run in a child process (`bench fuzz-worker`), so a trap
/// is reported as a crash (with its case number, the input saved and the child's stderr) and the
/// job goes on with the next case; a case that makes no progress for `--case-timeout` seconds is a hang.
struct FuzzBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fuzz",
        abstract: "Mutation fuzzing of every input format in child processes: cases, clean errors, crashes, hangs.",
        discussion: "Formats: " + FuzzFormat.standard.map(\.rawValue).joined(separator: ", ") + ". Case i of a format "
            + "is a pure function of (--seed, i): `ragtune bench fuzz-worker --format F --seed S --from i --to i+1` "
            + "replays it. Exits 1 when a case crashed or hung.")

    @Option(help: "Cases per format.")
    var cases: Int = 10_000

    @Option(help: "Seed of the mutations.")
    var seed: UInt64 = 1

    @Option(help: "Comma-separated formats (default: all).")
    var formats: String = FuzzFormat.standard.map(\.rawValue).joined(separator: ",")

    @Option(help: "Formats fuzzed at the same time (one child process each).")
    var jobs: Int = 2

    @Option(name: .customLong("case-timeout"), help: "Seconds without progress after which a case counts as a hang.")
    var caseTimeout: Double = 20

    @Option(help: "Folder for crash and hang inputs and logs (default: a new temporary folder).")
    var out: String?

    @Flag(help: "Print one JSON object on stdout.")
    var json = false

    /// The `--formats` list.
    /// - Throws: `ValidationError` naming an unknown format.
    var selectedFormats: [FuzzFormat] {
        get throws {
            try formats.split(separator: ",").map { name in
                guard let format = FuzzFormat(rawValue: String(name)) else {
                    throw ValidationError("--formats: unknown format '\(name)'; use " + FuzzFormat.allCases.map(\.rawValue).joined(separator: ", "))
                }
                return format
            }
        }
    }

    func validate() throws {
        guard cases >= 1 else { throw ValidationError("--cases must be at least 1") }
        guard (1...16).contains(jobs) else { throw ValidationError("--jobs must be in 1...16") }
        guard caseTimeout > 0 else { throw ValidationError("--case-timeout must be positive") }
        _ = try selectedFormats
    }

    func run() throws {
        let outDir = URL(fileURLWithPath: out ?? FileManager.default.temporaryDirectory
            .appendingPathComponent("ragtune-fuzz-\(seed)-\(getpid())").path)
        let report = try FuzzCampaign.run(formats: try selectedFormats, cases: cases, seed: seed, jobs: jobs,
                                          caseTimeout: caseTimeout, out: outDir, binary: ragtuneExecutable,
                                          log: .standardError(json: json))
        if json { try printJSON(report) } else { print(report.line) }
        if report.totalCrashes + report.totalHangs > 0 { throw ExitCode(1) }
    }
}
