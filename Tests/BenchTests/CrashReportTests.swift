import Testing
@testable import RagTuneBench

/// The `bench crash` report: fixed keys, one key per target-specific count, `skipped` only when set.
@Suite struct CrashReportTests {
    @Test func countsBecomeKeysAndFailuresAreCounted() throws {
        var report = CrashReport()
        report.trials = 3
        report.killed = 2
        report.counts["resumed_from_checkpoint"] = 2
        report.fail("loss mismatch", "trial 1")
        report.fail("loss mismatch", "trial 2")
        #expect(report.failures == 2 && report.failureDetails == ["loss mismatch: trial 1", "loss mismatch: trial 2"])
        let object = try jsonObject(report)
        #expect(keys(object) == ["failure_counts", "failure_details", "failures", "finished_before_kill", "killed",
                                 "resumed_from_checkpoint", "seconds", "trials"])
        #expect(object["failure_counts"] as? [String: Int] == ["loss mismatch": 2] && object["failures"] as? Int == 2)
    }

    @Test func skippedTargetSaysWhy() throws {
        var report = CrashReport()
        report.skipped = "minilm is not installed"
        #expect(keys(try jsonObject(report)) == ["failure_counts", "failure_details", "failures", "finished_before_kill", "killed",
                                                 "seconds", "skipped", "trials"])
        #expect(report.line == "skipped: minilm is not installed")
    }

    @Test func failureDetailsKeepTheFirstTen() {
        var report = CrashReport()
        for trial in 0..<12 { report.fail("documents lost", "trial \(trial)") }
        #expect(report.failures == 12 && report.failureDetails.count == 10)
    }

    @Test func summaryKeys() throws {
        let summary = CrashCampaign.Summary(seed: 1, trialsPerTarget: 3, targets: ["finetune": CrashReport()], totalFailures: 0,
                                            seconds: 2, machine: MachineReportFixture.value)
        let object = try jsonObject(summary)
        #expect(keys(object) == ["benchmark", "machine", "seconds", "seed", "targets", "total_failures", "trials_per_target"])
        #expect(keys(object["targets"]) == ["finetune"] && object["benchmark"] as? String == "crash")
    }
}
