import Testing
@testable import ragtune

/// `ragtune bench train`'s flags (the benchmark itself is tested in BenchTests).
@Suite struct TrainBenchTests {
    @Test func unknownModuleAndBadSizesAreRefused() throws {
        #expect(throws: (any Error).self) { try TrainBench.parse(["--targets", "q_proj,attn"]) }
        #expect(throws: (any Error).self) { try TrainBench.parse(["--cutoff", "1"]) }
        #expect(throws: (any Error).self) { try TrainBench.parse(["--threads", "x"]) }
        #expect(try TrainBench.parse(["--targets", "q_proj,v_proj"]).projections == [.query, .value])
    }
}
