import Foundation
import Testing
@testable import RagTuneBench

/// `ragtune bench fuzz` (issue #13, item 16): cases are pure functions of (seed, index) and the
/// seeds load. The harness in child processes is tested beside the CLI (`FuzzBenchTests`).
@Suite struct FuzzTargetTests {
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
                let dir = try scratchFolder("fuzz-test")
                defer { try? FileManager.default.removeItem(at: dir) }
                #expect(try generator.target.run(seed, in: dir) == [], "\(format.rawValue): \(seed.name)")
            }
        }
    }

    @Test func descriptiveErrorsNameTheProblem() {
        #expect(fuzzErrorIsDescriptive("line 3: expected a JSON object"))
        #expect(!fuzzErrorIsDescriptive("The operation could not be completed"))
        #expect(!fuzzErrorIsDescriptive("short"))
    }
}
