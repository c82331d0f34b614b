import Foundation
import Testing
import RagTuneTensor
@testable import ragtune

/// `ragtune bench fuzz` (issue #13, item 16): cases are pure functions of (seed, index), the seeds
/// load, the harness survives a trap and a hang in its children, and the fast subset of every
/// format (200 cases each) neither crashes nor hangs. The 10,000-case job is `ragtune bench fuzz`.
@Suite(.serialized) struct FuzzBenchTests {
    static let casesPerFormat = 200

    private func scratch() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("ragtune-fuzz-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }

    @Test func casesArePureFunctionsOfSeedAndIndex() throws {
        for format in FuzzFormat.standard {
            let a = try FuzzCaseGenerator(format: format, seed: 9), b = try FuzzCaseGenerator(format: format, seed: 9)
            for i in [0, 1, 17, 123, 9999] { #expect(a.input(i) == b.input(i), "\(format.rawValue) case \(i)") }
            let other = try FuzzCaseGenerator(format: format, seed: 10)
            #expect((0..<20).contains { a.input($0) != other.input($0) }, "\(format.rawValue): the seed must matter")
            #expect(Set((0..<20).map { a.input($0).bytes }).count > 10, "\(format.rawValue): cases must differ")
        }
    }

    /// Unmutated seeds are accepted with every property holding, so mutations start from valid files.
    @Test func seedsAreAccepted() throws {
        for format in FuzzFormat.standard {
            let generator = try FuzzCaseGenerator(format: format, seed: 1)
            #expect(!generator.seeds.isEmpty, "\(format.rawValue)")
            for seed in generator.seeds {
                let dir = try scratch()
                defer { try? FileManager.default.removeItem(at: dir) }
                #expect(try generator.target.run(seed, in: dir) == [], "\(format.rawValue): \(seed.name)")
            }
        }
    }

    @Test func jsonTreesRoundTrip() throws {
        let json = FuzzTinyModel.wordPieceJSON
        #expect(FuzzJSON(parsing: json.bytes) == json)
        #expect(FuzzJSON(parsing: Array(#"{"a": [1, -2.5e3, "x\"\\\u00e9\ud83d\ude00", null, true, {}]}"#.utf8))?.text
                == "{\"a\": [1, -2.5e3, \"x\\\"\\\\é😀\", null, true, {}]}")
        #expect(FuzzJSON(parsing: Array("[1,]".utf8)) == nil && FuzzJSON(parsing: Array("{\"a\" 1}".utf8)) == nil)
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
        #expect(runner.crashes.map { $0["case"] as? Int } == [3])
        #expect(runner.hangs.map { $0["case"] as? Int } == [5])
        let crash = try #require(runner.crashes.first)
        #expect((crash["message"] as? String)?.contains("deliberate trap") == true)
        #expect(try String(contentsOfFile: crash["input"] as? String ?? "", encoding: .utf8) == "trap")
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
            let failures = (runner.crashes + runner.hangs).map { "case \($0["case"] ?? "?"): \($0["message"] ?? "") — replay: "
                + "\($0["replay"] ?? ""), input \($0["input"] ?? "")" }
            #expect(failures.isEmpty, "\(runner.format.rawValue): \(failures.count) crashes or hangs:\n\(failures.prefix(5).joined(separator: "\n"))")
            #expect(runner.violations.isEmpty, "\(runner.format.rawValue): \(runner.violations.prefix(3))")
            #expect(runner.undescriptive.isEmpty, "\(runner.format.rawValue): \(runner.undescriptive.prefix(3))")
            print("fuzz \(runner.summaryLine)")
        }
        if runners.allSatisfy({ $0.crashes.isEmpty && $0.hangs.isEmpty }) { try? FileManager.default.removeItem(at: out) }
    }
}
