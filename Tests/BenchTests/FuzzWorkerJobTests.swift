import Foundation
import Testing
@testable import RagTuneBench

/// What a `bench fuzz-worker` child does, run in-process on the selftest format's harmless cases
/// (case 3 traps and case 5 hangs; those run in children in `FuzzBenchTests`).
@Suite struct FuzzWorkerJobTests {
    @Test func reportsOneLinePerCase() throws {
        var lines: [String] = []
        try FuzzWorkerJob(format: .selftest, seed: 1).run(0..<3, verbose: false) { lines.append($0) }
        #expect(lines == ["0 a\n", "1 a\n", "2 a\n"])
    }

    @Test func refusalsAreReportedByKind() throws {
        var lines: [String] = []
        try FuzzWorkerJob(format: .jsonl, seed: 1).run(0..<60, verbose: true) { lines.append($0) }
        #expect(lines.count == 60)
        #expect(lines.enumerated().allSatisfy { i, line in line.hasPrefix("\(i) ") && line.hasSuffix("\n") && line.count <= 401 })
        #expect(lines.allSatisfy { ["a", "e", "u", "v"].contains($0.split(separator: " ")[1].prefix(1)) })
        #expect(lines.contains { $0.split(separator: " ")[1].hasPrefix("e") }, "some mutants must be refused")
    }

    @Test func dumpedCasesReplayAsTheyRan() throws {
        let dir = try scratchFolder("fuzz-dump")
        defer { try? FileManager.default.removeItem(at: dir) }
        let job = try FuzzWorkerJob(format: .selftest, seed: 1)
        try job.dump(2..<4, into: dir)
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted() == ["case2-case.txt", "case3-case.txt"])
        #expect(try String(contentsOf: dir.appendingPathComponent("case3-case.txt"), encoding: .utf8) == "trap")
        // Saved names are FORMAT-caseN-NAME; the replay strips the prefix.
        let saved = dir.appendingPathComponent("selftest-case2-case.txt")
        try FileManager.default.moveItem(at: dir.appendingPathComponent("case2-case.txt"), to: saved)
        #expect(try job.replay(saved) == [])
    }
}
