import Foundation
import Testing
@testable import RagTuneBench

enum MachineReportFixture {
    static let value = MachineReport(cpu: "Test CPU", logicalCores: 2, simd: ["avx2", "fma"], openBLASCore: "Haswell",
                                     openBLASConfig: "OpenBLAS 0.3", openBLASCoreType: nil, openBLASL2Size: "262144")
}

/// `"machine"` of every benchmark report.
@Suite struct MachineReportTests {
    @Test func unsetEnvironmentKeysAreWrittenAsNull() throws {
        let object = try jsonObject(MachineReportFixture.value)
        #expect(keys(object) == machineKeys)
        #expect(object["OPENBLAS_CORETYPE"] is NSNull)
        #expect(object["OPENBLAS_L2_SIZE"] as? String == "262144")
        #expect(object["simd"] as? [String] == ["avx2", "fma"])
    }

    @Test func currentMachineHasEveryKey() throws {
        let current = MachineReport.current()
        #expect(keys(try jsonObject(current)) == machineKeys)
        #expect(current.logicalCores >= 1)
        #expect(current.line.hasPrefix("CPU: \(current.cpu), SIMD ["))
    }
}
