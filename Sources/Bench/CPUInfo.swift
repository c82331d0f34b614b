import Foundation

/// What the processor offers, read at run time from `/proc/cpuinfo` (Linux).
public struct CPUInfo: Sendable {
    /// e.g. "AMD EPYC 7B13" or "Intel(R) Xeon(R) ..."
    public let modelName: String
    /// Online logical processors.
    public let logicalCores: Int
    /// All flags the kernel reports (`avx2`, `fma`, `avx512f`, …).
    public let flags: Set<String>

    /// Reads the current machine's processor description.
    public static func current() -> CPUInfo {
        let text = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? ""
        var model = "unknown"
        var flags = Set<String>()
        for line in text.split(separator: "\n") {
            let parts = line.split(separator: ":", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard parts.count == 2 else { continue }
            if parts[0] == "model name", model == "unknown" { model = parts[1] }
            if parts[0] == "flags", flags.isEmpty { flags = Set(parts[1].split(separator: " ").map(String.init)) }
        }
        return CPUInfo(modelName: model, logicalCores: ProcessInfo.processInfo.activeProcessorCount, flags: flags)
    }

    /// The SIMD features that matter for RagTune's kernels, in a fixed order.
    public var simdFeatures: [String] {
        ["sse4_2", "avx", "avx2", "fma", "f16c", "avx512f", "avx512bw", "avx512vl", "avx512_vnni", "avx512_bf16"]
            .filter(flags.contains)
    }

    /// True when the machine has AVX-512 foundation instructions.
    public var hasAVX512: Bool { flags.contains("avx512f") }
}
