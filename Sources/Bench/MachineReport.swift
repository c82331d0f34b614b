import Foundation
import RagTuneModelFiles
import RagTuneTensor

/// The machine facts every benchmark report carries (`"machine"` in each `--json` object).
public struct MachineReport: Encodable, Sendable, Equatable {
    /// Processor model name from /proc/cpuinfo.
    public var cpu: String
    /// Online logical processors.
    public var logicalCores: Int
    /// The SIMD features RagTune's kernels use, in a fixed order.
    public var simd: [String]
    /// OpenBLAS's kernel core (`BLAS.coreName`).
    public var openBLASCore: String
    /// OpenBLAS's build configuration (`BLAS.configuration`).
    public var openBLASConfig: String
    /// `OPENBLAS_CORETYPE` of the environment (written as null when unset).
    @NullEncoded public var openBLASCoreType: String?
    /// `OPENBLAS_L2_SIZE` of the environment (written as null when unset).
    @NullEncoded public var openBLASL2Size: String?

    enum CodingKeys: String, CodingKey {
        case cpu, simd
        case logicalCores = "logical_cores"
        case openBLASCore = "openblas_core", openBLASConfig = "openblas_config"
        case openBLASCoreType = "OPENBLAS_CORETYPE", openBLASL2Size = "OPENBLAS_L2_SIZE"
    }

    /// This machine and process environment now.
    public static func current() -> MachineReport {
        let info = CPUInfo.current()
        let environment = ProcessInfo.processInfo.environment
        return MachineReport(cpu: info.modelName, logicalCores: info.logicalCores, simd: info.simdFeatures,
                             openBLASCore: BLAS.coreName, openBLASConfig: BLAS.configuration,
                             openBLASCoreType: environment["OPENBLAS_CORETYPE"],
                             openBLASL2Size: environment["OPENBLAS_L2_SIZE"])
    }

    /// The line benchmarks log first: "CPU: …, SIMD […], OpenBLAS core …".
    public var line: String { "CPU: \(cpu), SIMD \(simd), OpenBLAS core \(openBLASCore)" }
}
