import Foundation

/// Runs one format's fuzz cases in `bench fuzz-worker` child processes, in order. A child that
/// dies (trap, signal, non-zero exit) crashed on the first case it did not report; a child that
/// reports nothing for `timeout` seconds hung on it and is killed. Either way the input is saved
/// and a new child goes on from the next case. Driven by `poll()` from one thread.
public final class FuzzRunner {
    /// The fuzzed format.
    public let format: FuzzFormat
    /// Cases to run.
    public let cases: Int
    let seed: UInt64
    let timeout: Double
    let out: URL
    /// The `ragtune` executable the children run.
    let binary: URL

    /// Cases accepted (violations included) and refused with an error, so far.
    public private(set) var accepted = 0, errors = 0
    private(set) var next = 0
    /// (case, message) of refusals whose message does not say what is wrong.
    public private(set) var undescriptive: [(Int, String)] = []
    /// (case, message) of accepted inputs that broke a property.
    public private(set) var violations: [(Int, String)] = []
    /// Cases that crashed or hung, with their saved inputs.
    public private(set) var crashes: [FuzzFailure] = [], hangs: [FuzzFailure] = []
    private(set) var done = false
    private var process: Process?
    private var lastSize: UInt64 = 0, lastProgress = Date(), started = Date(), seconds = 0.0
    private let progressURL: URL, stderrURL: URL

    /// - Parameters:
    ///   - timeout: seconds without progress after which a case counts as a hang.
    ///   - out: folder for crash and hang inputs and logs (exists).
    ///   - binary: the `ragtune` executable whose `bench fuzz-worker` runs the cases.
    public init(format: FuzzFormat, cases: Int, seed: UInt64, timeout: Double, out: URL, binary: URL) {
        self.binary = binary
        self.format = format
        self.cases = cases
        self.seed = seed
        self.timeout = timeout
        self.out = out
        progressURL = out.appendingPathComponent(".\(format.rawValue).progress")
        stderrURL = out.appendingPathComponent(".\(format.rawValue).stderr")
    }

    /// Runs `runners` to the end, `jobs` at a time; `finished` is called as each one ends.
    public static func runAll(_ runners: [FuzzRunner], jobs: Int, finished: (FuzzRunner) -> Void = { _ in }) throws {
        var pending = runners, running: [FuzzRunner] = []
        while !pending.isEmpty || !running.isEmpty {
            while running.count < jobs, !pending.isEmpty {
                let runner = pending.removeFirst()
                try runner.start()
                running.append(runner)
            }
            Thread.sleep(forTimeInterval: 0.02)
            for runner in running where try runner.poll() { finished(runner) }
            running.removeAll { $0.done }
        }
    }

    /// Cases that ran to an outcome (crashed and hung ones included).
    public var completed: Int { accepted + errors + crashes.count + hangs.count }

    /// Starts a child for the cases from `next` on.
    func start() throws {
        if process == nil, next == 0 { started = Date() }
        _ = FileManager.default.createFile(atPath: progressURL.path, contents: nil)
        _ = FileManager.default.createFile(atPath: stderrURL.path, contents: nil)
        let arguments = ["bench", "fuzz-worker", "--format", format.rawValue, "--seed", "\(seed)",
                         "--from", "\(next)", "--to", "\(cases)"]
        let child = try CrashChild.launch {
            let child = Process()
            child.executableURL = binary
            child.arguments = arguments
            var environment = ProcessInfo.processInfo.environment
            environment["OPENBLAS_NUM_THREADS"] = "1"
            // No backtracer in the children: the runtime's "Fatal error: …" line (all a crash record
            // keeps; its replay command reproduces the backtrace) is printed without it, and a
            // backtracer still symbolicating when the hang timeout kills its child was orphaned,
            // held the child's exit notification open and hung `waitUntilExit` (seen once the debug
            // binary's symbols took the backtrace past the 2 s timeout of the harness test).
            environment["SWIFT_BACKTRACE"] = "enable=no"
            child.environment = environment
            child.standardOutput = try FileHandle(forWritingTo: progressURL)
            child.standardError = try FileHandle(forWritingTo: stderrURL)
            child.standardInput = FileHandle.nullDevice
            return child
        }
        process = child
        lastSize = 0
        lastProgress = Date()
    }

    /// Checks the child: records its progress, a crash or a hang, and starts the next child.
    /// - Returns: true once every case has an outcome.
    func poll() throws -> Bool {
        guard let child = process, !done else { return done }
        let size = (try? FileManager.default.attributesOfItem(atPath: progressURL.path)[.size] as? NSNumber)?.uint64Value ?? 0
        if size != lastSize { (lastSize, lastProgress) = (size, Date()) }
        if child.isRunning {
            guard Date().timeIntervalSince(lastProgress) > timeout else { return false }
            kill(child.processIdentifier, SIGKILL)
            child.waitUntilExit()
            readProgress()
            if next < cases {
                hangs.append(try record(case: next, reason: "no progress for \(Int(timeout)) s (killed)"))
                next += 1
            }
        } else {
            let before = next
            readProgress()
            let clean = child.terminationReason == .exit && child.terminationStatus == 0
            if next < cases, !clean || next == before {
                let reason = child.terminationReason == .uncaughtSignal ? "signal \(child.terminationStatus)"
                                                                         : "exit status \(child.terminationStatus)"
                crashes.append(try record(case: next, reason: reason))
                next += 1
            }
        }
        if next < cases { try start() } else { finish() }
        return done
    }

    private func finish() {
        done = true
        process = nil
        seconds = Date().timeIntervalSince(started)
        try? FileManager.default.removeItem(at: progressURL)
        try? FileManager.default.removeItem(at: stderrURL)
    }

    /// Reads the finished cases the child reported (it reports them in order, from `next`).
    private func readProgress() {
        let text = (try? String(contentsOf: progressURL, encoding: .utf8)) ?? ""
        for line in text.split(separator: "\n") {
            let parts = line.split(separator: " ", maxSplits: 2).map(String.init)
            guard parts.count >= 2, let index = Int(parts[0]), index == next else { continue }
            let message = parts.count > 2 ? parts[2] : ""
            switch parts[1] {
            case "a": accepted += 1
            case "v": accepted += 1; violations.append((index, message))
            case "u": errors += 1; undescriptive.append((index, message))
            default: errors += 1
            }
            next = index + 1
        }
    }

    /// Saves the input of case `index` and the child's stderr, and describes the failure.
    private func record(case index: Int, reason: String) throws -> FuzzFailure {
        let input = try FuzzCaseGenerator(format: format, seed: seed).input(index)
        let stem = out.appendingPathComponent("\(format.rawValue)-case\(index)")
        let inputURL = URL(fileURLWithPath: stem.path + "-" + input.name), logURL = URL(fileURLWithPath: stem.path + ".log")
        try Data(input.bytes).write(to: inputURL)
        let stderr = (try? String(contentsOf: stderrURL, encoding: .utf8)) ?? ""
        try Data(stderr.utf8).write(to: logURL)
        // The trap's message (debug builds and allocation failures) and the first frame in RagTune's sources.
        let lines = stderr.split(separator: "\n")
        let frameAddress = #"^.*0x[0-9a-f]+ +"#
        let fatal = lines.first { $0.contains("Fatal error") || $0.contains("runtime failure") }
            .map { $0.replacingOccurrences(of: frameAddress, with: "", options: .regularExpression) }
        let frame = lines.first { $0.contains(" at /") && !$0.contains("/Swift/") && !$0.contains("runtime failure") }
            .map { $0.replacingOccurrences(of: frameAddress, with: "", options: .regularExpression) }
        let message = [fatal, frame].compactMap { $0 }.joined(separator: " | ")
        let replay = "ragtune bench fuzz-worker --format \(format.rawValue) --seed \(seed) --from \(index) --to \(index + 1)"
        return FuzzFailure(caseIndex: index, reason: reason, message: String(message.prefix(300)), input: inputURL.path,
                           log: logURL.path, replay: replay)
    }

    /// This format's entry in the `bench fuzz` report.
    public var report: FuzzFormatReport {
        FuzzFormatReport(format: format.rawValue, cases: completed, accepted: accepted, errors: errors,
                         undescriptiveErrors: undescriptive.count, crashes: crashes.count, hangs: hangs.count,
                         violations: violations.count, crashCases: crashes, hangCases: hangs,
                         undescriptiveExamples: undescriptive.prefix(3).map { FuzzFormatReport.ErrorExample(caseIndex: $0.0, error: $0.1) },
                         violationExamples: violations.prefix(3).map { FuzzFormatReport.ViolationExample(caseIndex: $0.0, violation: $0.1) },
                         seconds: seconds, casesPerSecond: Double(completed) / max(seconds, 1e-9))
    }

    /// One line of counts for the text report.
    public var summaryLine: String {
        String(format: "%@: %d cases (%d accepted, %d errors, %d undescriptive), %d crashes, %d hangs, %d violations, %.0f s",
               format.rawValue, completed, accepted, errors, undescriptive.count, crashes.count, hangs.count,
               violations.count, seconds)
    }
}
