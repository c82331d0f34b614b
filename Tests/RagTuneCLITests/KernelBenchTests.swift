import Foundation
import Testing

/// `ragtune bench kernels --json` through the binary: the keys Benchmarks and readers depend on.
@Suite struct KernelBenchTests {
    @Test(.enabled(if: IndexCommandTests.builtBinary() != nil, "needs the ragtune binary beside the tests"))
    func jsonReportKeys() throws {
        let result = try IndexCommandTests.runJSON(IndexCommandTests.builtBinary()!, ["bench", "kernels", "--seconds", "0.001", "--json"])
        #expect(result.keys.sorted() == ["benchmark", "machine", "results", "threads"])
        let first = try #require((result["results"] as? [[String: Any]])?.first)
        #expect(first.keys.sorted() == ["gbytes_per_second", "gweights_per_second", "kernel", "shape", "type"])
        let machine = try #require(result["machine"] as? [String: Any])
        #expect(machine.keys.sorted() == ["OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE", "cpu", "logical_cores", "openblas_config",
                                          "openblas_core", "simd"])
    }
}
