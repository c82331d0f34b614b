import Testing
@testable import RagTuneBench

/// `ragtune bench kernels`, run for real with a few milliseconds per kernel.
@Suite struct KernelBenchmarkTests {
    @Test func reportKeysAndEveryWeightType() throws {
        let report = KernelBenchmark.run(seconds: 0.002)
        #expect(report.results.map(\.type) == ["Q4_0", "Q4_1", "Q8_0", "F16", "BF16", "F32"])
        #expect(report.results.allSatisfy { $0.gweightsPerSecond > 0 && $0.gbytesPerSecond > 0 })
        // Fewer bytes per weight than f32 for every quantized type.
        let f32 = try #require(report.results.last)
        #expect(f32.gbytesPerSecond / f32.gweightsPerSecond > report.results[0].gbytesPerSecond / report.results[0].gweightsPerSecond)
        let object = try jsonObject(report)
        #expect(keys(object) == ["benchmark", "columns", "machine", "results", "rows", "threads"])
        #expect(firstKeys(object["results"]) == ["gbytes_per_second", "gweights_per_second", "type"])
        #expect(keys(object["machine"]) == machineKeys)
        #expect(object["benchmark"] as? String == "kernels" && object["rows"] as? Int == 1536 && object["columns"] as? Int == 576)
    }
}
