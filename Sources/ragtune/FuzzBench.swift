import ArgumentParser
import Foundation

/// `ragtune bench fuzz`: seeded mutation fuzzing of every file format a user hands RagTune.
/// Each format's cases run in a child process (`bench fuzz-worker`), so a trap is reported as a
/// crash (with its case number, the input saved and the child's stderr) and the job goes on
/// with the next case; a case that makes no progress for `--case-timeout` seconds is a hang.
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
        let started = Date()
        let outDir = URL(fileURLWithPath: out ?? FileManager.default.temporaryDirectory
            .appendingPathComponent("ragtune-fuzz-\(seed)-\(getpid())").path)
        try FileManager.default.createDirectory(at: outDir, withIntermediateDirectories: true)
        let runners = try selectedFormats.map {
            FuzzRunner(format: $0, cases: cases, seed: seed, timeout: caseTimeout, out: outDir)
        }
        var finished: [FuzzRunner] = []
        try FuzzRunner.runAll(runners, jobs: jobs) { runner in
            finished.append(runner)
            if !json { logError(runner.summaryLine) }
        }
        let reports = finished.sorted { $0.format.rawValue < $1.format.rawValue }.map(\.report)
        let crashes = finished.reduce(0) { $0 + $1.crashes.count }, hangs = finished.reduce(0) { $0 + $1.hangs.count }
        let summary: [String: Any] = [
            "benchmark": "fuzz", "seed": seed, "cases_per_format": cases, "formats": reports,
            "total_cases": finished.reduce(0) { $0 + $1.completed }, "total_crashes": crashes, "total_hangs": hangs,
            "total_violations": finished.reduce(0) { $0 + $1.violations.count }, "out": outDir.path,
            "seconds": Date().timeIntervalSince(started), "machine": machineReport()]
        if json {
            print(JSONText.object(summary))
        } else {
            print(String(format: "%d formats × %d cases in %.0f s: %d crashes, %d hangs (inputs in %@)", finished.count, cases,
                         Date().timeIntervalSince(started), crashes, hangs, outDir.path))
        }
        if crashes + hangs > 0 { throw ExitCode(1) }
    }
}

/// `ragtune bench fuzz-worker` (hidden): runs cases `from..<to` of one format and writes one
/// line per finished case on stdout: `i a` accepted, `i e` refused with a descriptive error,
/// `i u MESSAGE` refused with an undescriptive one, `i v MESSAGE` accepted with a violated property.
struct FuzzWorker: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fuzz-worker", abstract: "Runs a range of fuzz cases of one format (used by `bench fuzz`).",
        shouldDisplay: false)

    @Option var format: String
    @Option var seed: UInt64 = 1
    @Option var from: Int = 0
    @Option var to: Int = 0
    @Option(help: "Write each case's input into this folder instead of running it.")
    var dump: String?
    @Flag(help: "Print every error message, not only undescriptive ones.")
    var verbose = false
    @Option(help: "Run this saved input (e.g. a crash input `bench fuzz` saved) instead of generated cases.")
    var input: String?

    func validate() throws {
        guard from >= 0, to >= from else { throw ValidationError("give 0 ≤ --from ≤ --to") }
    }

    func run() throws {
        guard let format = FuzzFormat(rawValue: format) else { throw ValidationError("unknown format '\(self.format)'") }
        // A case that asks for absurd memory must fail fast, not swap: 8 GB of address space.
        var limit = rlimit(rlim_cur: 8 << 30, rlim_max: 8 << 30)
        _ = setrlimit(Int32(RLIMIT_AS.rawValue), &limit)
        let generator = try FuzzCaseGenerator(format: format, seed: seed)
        if let dump {
            try FileManager.default.createDirectory(atPath: dump, withIntermediateDirectories: true)
            for i in from..<to {
                let input = generator.input(i)
                try Data(input.bytes).write(to: URL(fileURLWithPath: dump).appendingPathComponent("case\(i)-\(input.name)"))
            }
            return
        }
        if let input {
            // Saved inputs are named FORMAT-caseN-NAME; the loader picks its path by NAME.
            var name = URL(fileURLWithPath: input).lastPathComponent
            if let range = name.range(of: #"^.*-case[0-9]+-"#, options: .regularExpression) { name.removeSubrange(range) }
            let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: input)))
            let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("ragtune-fuzz-replay-\(getpid())")
            try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: scratch) }
            print("violations: \(try generator.target.run(FuzzInput(name, bytes), in: scratch))")
            return
        }
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("ragtune-fuzz-\(format.rawValue)-\(getpid())")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: scratch) }
        for i in from..<to {
            var line: String
            do {
                let violations = try generator.run(i, in: scratch)
                line = violations.isEmpty ? "\(i) a" : "\(i) v \(violations.joined(separator: "; "))"
            } catch {
                let message = "\(error)"
                line = fuzzErrorIsDescriptive(message) ? "\(i) e" + (verbose ? " \(message)" : "") : "\(i) u \(message)"
            }
            line = String(line.prefix(400)).replacingOccurrences(of: "\n", with: " ") + "\n"
            FileHandle.standardOutput.write(Data(line.utf8))
        }
    }
}
