import Foundation
import Testing
@testable import RagTuneBench

/// `ragtune bench fuzz` (issue #13, item 16) with its children: the harness survives a trap and a
/// hang in its children, and the fast subset of every format (200 cases each) neither crashes nor
/// hangs. The 10,000-case job is `ragtune bench fuzz`; the cases themselves are tested in BenchTests.
@Suite(.serialized) struct FuzzBenchTests {
    static let casesPerFormat = 200

    private func scratch() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("ragtune-fuzz-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }

    /// The selftest format traps on case 3 and hangs on case 5: both are reported with their
    /// input saved, and the other cases still run.
    @Test(.enabled(if: IndexCommandTests.builtBinary() != nil, "needs the ragtune binary beside the tests"))
    func harnessReportsATrapAndAHangAndGoesOn() throws {
        let out = try scratch()
        defer { try? FileManager.default.removeItem(at: out) }
        let runner = FuzzRunner(format: .selftest, cases: 8, seed: 1, timeout: 2, out: out, binary: IndexCommandTests.builtBinary()!)
        try FuzzRunner.runAll([runner], jobs: 1)
        #expect(runner.accepted == 6 && runner.completed == 8)
        #expect(runner.crashes.map(\.caseIndex) == [3])
        #expect(runner.hangs.map(\.caseIndex) == [5])
        let crash = try #require(runner.crashes.first)
        #expect(crash.message.contains("deliberate trap"))
        #expect(try String(contentsOfFile: crash.input, encoding: .utf8) == "trap")
        #expect(crash.replay == "ragtune bench fuzz-worker --format selftest --seed 1 --from 3 --to 4")
        #expect(runner.report.crashCases == [crash] && runner.report.cases == 8)
    }

    /// `bench fuzz --json` through the binary: the report's keys, as Benchmarks/fuzz.sh reads them.
    @Test(.enabled(if: IndexCommandTests.builtBinary() != nil, "needs the ragtune binary beside the tests"))
    func commandPrintsTheReportKeys() throws {
        let out = try scratch()
        defer { try? FileManager.default.removeItem(at: out) }
        let result = try IndexCommandTests.runJSON(IndexCommandTests.builtBinary()!, ["bench", "fuzz", "--formats", "selftest",
                                                                                     "--cases", "3", "--out", out.path, "--json"])
        #expect(result.keys.sorted() == ["benchmark", "cases_per_format", "formats", "machine", "out", "seconds", "seed",
                                         "total_cases", "total_crashes", "total_hangs", "total_violations"])
        let format = try #require((result["formats"] as? [[String: Any]])?.first)
        #expect(format.keys.sorted() == ["accepted", "cases", "cases_per_second", "crash_cases", "crashes", "errors", "format",
                                         "hang_cases", "hangs", "seconds", "undescriptive_errors", "undescriptive_examples",
                                         "violation_examples", "violations"])
        #expect(format["accepted"] as? Int == 3 && result["total_cases"] as? Int == 3 && result["out"] as? String == out.path)
    }

    /// The fast subset of issue #13's fuzz job: no format may crash or hang. A failure lists the
    /// crashing cases with the command that replays each and where its input was saved.
    @Test(.enabled(if: IndexCommandTests.builtBinary() != nil, "needs the ragtune binary beside the tests"))
    func everyFormatSurvivesTheFastSubset() throws {
        let out = try scratch()
        let runners = FuzzFormat.standard.map {
            FuzzRunner(format: $0, cases: Self.casesPerFormat, seed: 1, timeout: 30, out: out, binary: IndexCommandTests.builtBinary()!)
        }
        try FuzzRunner.runAll(runners, jobs: 2)
        for runner in runners {
            #expect(runner.completed == Self.casesPerFormat, "\(runner.format.rawValue)")
            let failures = (runner.crashes + runner.hangs).map { "case \($0.caseIndex): \($0.message) — replay: \($0.replay), input \($0.input)" }
            #expect(failures.isEmpty, "\(runner.format.rawValue): \(failures.count) crashes or hangs:\n\(failures.prefix(5).joined(separator: "\n"))")
            #expect(runner.violations.isEmpty, "\(runner.format.rawValue): \(runner.violations.prefix(3))")
            #expect(runner.undescriptive.isEmpty, "\(runner.format.rawValue): \(runner.undescriptive.prefix(3))")
            print("fuzz \(runner.summaryLine)")
        }
        if runners.allSatisfy({ $0.crashes.isEmpty && $0.hangs.isEmpty }) { try? FileManager.default.removeItem(at: out) }
    }
}
