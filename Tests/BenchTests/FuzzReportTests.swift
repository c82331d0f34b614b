import Testing
@testable import RagTuneBench

/// The `bench fuzz` report's keys (Benchmarks/fuzz.sh reads `formats[].crash_cases`,
/// `hang_cases` and the totals).
@Suite struct FuzzReportTests {
    static let failure = FuzzFailure(caseIndex: 3, reason: "signal 4", message: "Fatal error", input: "/out/in", log: "/out/log",
                                     replay: "ragtune bench fuzz-worker --format selftest --seed 1 --from 3 --to 4")

    @Test func reportKeys() throws {
        let format = FuzzFormatReport(format: "selftest", cases: 8, accepted: 6, errors: 0, undescriptiveErrors: 1, crashes: 1,
                                      hangs: 0, violations: 1, crashCases: [Self.failure], hangCases: [],
                                      undescriptiveExamples: [.init(caseIndex: 2, error: "error 256")],
                                      violationExamples: [.init(caseIndex: 4, violation: "ACL leak")], seconds: 2, casesPerSecond: 4)
        let report = FuzzReport(seed: 1, casesPerFormat: 8, formats: [format], totalCases: 8, totalCrashes: 1, totalHangs: 0,
                                totalViolations: 1, out: "/out", seconds: 2, machine: MachineReportFixture.value)
        let object = try jsonObject(report)
        #expect(keys(object) == ["benchmark", "cases_per_format", "formats", "machine", "out", "seconds", "seed", "total_cases",
                                 "total_crashes", "total_hangs", "total_violations"])
        let first = (object["formats"] as? [[String: Any]])?.first
        #expect(keys(first) == ["accepted", "cases", "cases_per_second", "crash_cases", "crashes", "errors", "format", "hang_cases",
                                "hangs", "seconds", "undescriptive_errors", "undescriptive_examples", "violation_examples", "violations"])
        #expect(firstKeys(first?["crash_cases"]) == ["case", "input", "log", "message", "reason", "replay"])
        #expect(firstKeys(first?["undescriptive_examples"]) == ["case", "error"])
        #expect(firstKeys(first?["violation_examples"]) == ["case", "violation"])
        #expect(report.line == "1 formats × 8 cases in 2 s: 1 crashes, 0 hangs (inputs in /out)")
    }
}
