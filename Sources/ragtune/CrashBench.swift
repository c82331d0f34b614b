import ArgumentParser
import Foundation
import RagTuneTensor

/// `ragtune bench crash`: crash safety as a repeated experiment. Each trial starts a real
/// `ragtune` child (`index`, `remove` compacting the HNSW index, `finetune`), kills it with
/// SIGKILL at a random moment, checks what it left behind, and runs it again:
/// - index: the store opens; every stored document has all its chunks (as an uninterrupted run
///   stores them) with finite unit embeddings; documents committed before the kill are all there;
///   a re-run completes the store and leaves a usable BM25 index;
/// - compaction: the removal is all or nothing, no other document is lost, the index snapshots are
///   never torn, search returns no removed document, and a re-run leaves the indexes current;
/// - finetune: `--resume` from the latest checkpoint reproduces the uninterrupted run's step
///   losses and eval loss exactly (a run killed before its first checkpoint starts over).
struct CrashBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "crash",
        abstract: "kill -9 at random moments during index, HNSW compaction and finetune; check the store and the resumed losses.",
        discussion: "index needs the MiniLM model (`ragtune models install minilm`); compaction and finetune build "
            + "their store and tiny model in code. Exits 1 when a trial lost a document, found an inconsistent "
            + "store or torn index file, or resumed to different losses.")

    @Option(help: "Kills per target.")
    var trials: Int = 50

    @Option(help: "Comma-separated targets: index, compaction, finetune.")
    var targets: String = "index,compaction,finetune"

    @Option(help: "Seed of the kill moments and removed documents.")
    var seed: UInt64 = 1

    @Option(name: .customLong("compaction-documents"), help: "Documents (3 chunks each, 384-d) of the compaction store.")
    var compactionDocuments: Int = 2000

    @Option(name: .customLong("index-documents"), help: "Documents (about 2 chunks each) indexed by the index trials.")
    var indexDocuments: Int = 300

    @Option(help: "Folder for the trials' files (default: a temporary folder, removed afterwards).")
    var work: String?

    @Flag(help: "Print one JSON object on stdout.")
    var json = false

    static let allTargets = ["index", "compaction", "finetune"]

    var selectedTargets: [String] { targets.split(separator: ",").map(String.init) }

    func validate() throws {
        guard trials >= 1 else { throw ValidationError("--trials must be at least 1") }
        guard compactionDocuments >= 8, indexDocuments >= 4 else { throw ValidationError("document counts are too small") }
        for target in selectedTargets where !Self.allTargets.contains(target) {
            throw ValidationError("--targets: unknown target '\(target)'; use " + Self.allTargets.joined(separator: ", "))
        }
    }

    func run() throws {
        let started = Date()
        let root = URL(fileURLWithPath: work ?? FileManager.default.temporaryDirectory
            .appendingPathComponent("ragtune-crash-\(getpid())").path)
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        defer { if work == nil { try? FileManager.default.removeItem(at: root) } }
        var reports: [String: Any] = [:], failures = 0
        for target in selectedTargets {
            let dir = root.appendingPathComponent(target)
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            var rng = SplitMix64(seed: seed ^ UInt64(target.utf8.count) &* 0x9E37_79B9_7F4A_7C15)
            let report: CrashReport
            switch target {
            case "index": report = try IndexCrashTrials(documents: indexDocuments, dir: dir).run(trials: trials, rng: &rng, log: note)
            case "compaction":
                report = try CompactionCrashTrials(documents: compactionDocuments, dir: dir).run(trials: trials, rng: &rng, log: note)
            default: report = try FineTuneCrashTrials(dir: dir).run(trials: trials, rng: &rng, log: note)
            }
            failures += report.failures
            reports[target] = report.object
            if !json { logError("\(target): \(report.line)") }
        }
        let summary: [String: Any] = ["benchmark": "crash", "seed": seed, "trials_per_target": trials, "targets": reports,
                                      "total_failures": failures, "seconds": Date().timeIntervalSince(started),
                                      "machine": machineReport()]
        if json { print(JSONText.object(summary)) } else {
            print(String(format: "%d trials per target in %.0f s: %d failures", trials, Date().timeIntervalSince(started), failures))
        }
        if failures > 0 { throw ExitCode(1) }
    }

    /// Progress for stderr (also with --json: stdout carries only the JSON).
    private func note(_ line: String) {
        logError(line)
    }
}

/// Counts of one target's trials; `failures` is what must stay 0.
struct CrashReport {
    var trials = 0, killed = 0, finishedBeforeKill = 0
    /// Target-specific counts (documents committed before kills, checkpoints resumed, …).
    var counts: [String: Int] = [:]
    /// Failure kind → count, with the first few details.
    var failureCounts: [String: Int] = [:]
    var failureDetails: [String] = []
    var seconds = 0.0
    var skipped: String?

    var failures: Int { failureCounts.values.reduce(0, +) }

    mutating func fail(_ kind: String, _ detail: String) {
        failureCounts[kind, default: 0] += 1
        if failureDetails.count < 10 { failureDetails.append("\(kind): \(detail)") }
    }

    var object: [String: Any] {
        var object: [String: Any] = ["trials": trials, "killed": killed, "finished_before_kill": finishedBeforeKill,
                                     "failures": failures, "failure_counts": failureCounts, "failure_details": failureDetails,
                                     "seconds": seconds]
        for (key, value) in counts { object[key] = value }
        if let skipped { object["skipped"] = skipped }
        return object
    }

    var line: String {
        if let skipped { return "skipped: \(skipped)" }
        let extra = counts.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
        return String(format: "%d trials (%d killed, %d finished first), %@; %d failures %@, %.0f s", trials, killed,
                      finishedBeforeKill, extra, failures, failureCounts.description, seconds)
    }
}

/// Runs `ragtune` children: to completion, or killed with SIGKILL at a chosen moment.
enum CrashChild {
    static var binary: URL { Bundle.main.executableURL ?? URL(fileURLWithPath: CommandLine.arguments[0]) }

    static func process(_ arguments: [String], output: FileHandle? = nil) -> Process {
        let child = Process()
        child.executableURL = binary
        child.arguments = arguments
        var environment = ProcessInfo.processInfo.environment
        environment["SWIFT_BACKTRACE"] = "interactive=no"
        child.environment = environment
        child.standardInput = FileHandle.nullDevice
        child.standardOutput = output ?? FileHandle.nullDevice
        child.standardError = FileHandle.nullDevice
        return child
    }

    /// Starts a child made by `make`, retrying for up to a minute while the system refuses new
    /// processes (EAGAIN: another program holds every thread the machine allows).
    static func launch(_ make: () throws -> Process) throws -> Process {
        var attempt = 0
        while true {
            let child = try make()
            do {
                try child.run()
                return child
            } catch {
                attempt += 1
                guard attempt < 60, "\(error)".contains("Resource temporarily unavailable") else { throw error }
                Thread.sleep(forTimeInterval: 1)
            }
        }
    }

    /// Runs to completion (killed after `timeout` seconds).
    /// - Returns: the exit status (-1 when killed) and stdout.
    static func run(_ arguments: [String], timeout: Double = 900) throws -> (status: Int32, output: String) {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("ragtune-crash-out-\(UUID().uuidString)")
        _ = FileManager.default.createFile(atPath: file.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: file) }
        let handle = try FileHandle(forWritingTo: file)
        let child = try launch { process(arguments, output: handle) }
        let deadline = Date().addingTimeInterval(timeout)
        while child.isRunning, Date() < deadline { Thread.sleep(forTimeInterval: 0.01) }
        if child.isRunning { kill(child.processIdentifier, SIGKILL) }
        child.waitUntilExit()
        try handle.close()
        let output = (try? String(contentsOf: file, encoding: .utf8)) ?? ""
        let clean = child.terminationReason == .exit
        return (clean ? child.terminationStatus : -1, output)
    }

    /// The JSON object on the last line of `output`, or nil.
    static func lastJSON(_ output: String) -> [String: Any]? {
        guard let line = output.split(separator: "\n").last else { return nil }
        return (try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any]
    }

    /// Starts `arguments`, waits `delay` seconds (or until it exits), calls `beforeKill` and kills it.
    /// - Returns: nil when it was killed, else its exit status (it finished first; -1: another signal).
    static func runKilled(_ arguments: [String], after delay: Double, beforeKill: () -> Void = {}) throws -> Int32? {
        let child = try launch { process(arguments) }
        let deadline = Date().addingTimeInterval(delay)
        while child.isRunning, Date() < deadline { Thread.sleep(forTimeInterval: 0.001) }
        if child.isRunning {
            beforeKill()
            kill(child.processIdentifier, SIGKILL)
        }
        child.waitUntilExit()
        if child.terminationReason == .uncaughtSignal { return child.terminationStatus == SIGKILL ? nil : -1 }
        return child.terminationStatus
    }

    /// Seconds `arguments` take to run to completion, and their stdout; throws when they fail.
    static func timed(_ arguments: [String]) throws -> (seconds: Double, output: String) {
        let start = Date()
        let (status, output) = try run(arguments)
        guard status == 0 else {
            throw ValidationError("ragtune \(arguments.joined(separator: " ")) failed with status \(status)")
        }
        return (Date().timeIntervalSince(start), output)
    }
}
