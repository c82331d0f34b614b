import Testing
import RagTuneTensor
@testable import RagTuneBench

/// `ragtune bench kernels`, run for real with a few milliseconds per kernel.
@Suite struct KernelBenchmarkTests {
    @Test func reportKeysAndEveryWeightTypeAndKernel() throws {
        let report = KernelBenchmark.run(seconds: 0.002)
        let int8Kernels = Int8Kernel.allCases.filter(\.isSupported).map(\.rawValue)
        let perShape = ["Q4_0", "Q4_1", "Q8_0"].flatMap { type in (["float"] + int8Kernels).map { "\(type) \($0)" } }
            + ["F16 float", "BF16 float", "F32 float"]
        #expect(report.results.map { "\($0.type) \($0.kernel)" } == perShape + perShape)
        #expect(report.results.map(\.shape) == Array(repeating: "1536x576", count: perShape.count)
                + Array(repeating: "576x1536", count: perShape.count))
        #expect(report.results.allSatisfy { $0.gweightsPerSecond > 0 && $0.gbytesPerSecond > 0 })
        // Fewer bytes per weight than f32 for every quantized type.
        let f32 = try #require(report.results.first { $0.type == "F32" })
        #expect(f32.gbytesPerSecond / f32.gweightsPerSecond > report.results[0].gbytesPerSecond / report.results[0].gweightsPerSecond)
        let object = try jsonObject(report)
        #expect(keys(object) == ["benchmark", "machine", "results", "threads"])
        #expect(firstKeys(object["results"]) == ["gbytes_per_second", "gweights_per_second", "kernel", "shape", "type"])
        #expect(keys(object["machine"]) == machineKeys)
        #expect(object["benchmark"] as? String == "kernels")
    }
}
