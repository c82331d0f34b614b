import CKernels
import Foundation

/// The instruction set the decoder's int8 matrix-vector products run on, chosen at run time:
/// AVX-512 VNNI (`vpdpbusd`) where the CPU has it, else AVX2 (`vpmaddubsw` + `vpmaddwd`).
public enum Int8Kernel: String, Sendable, CaseIterable {
    case avx2 = "int8-avx2"
    case avx512VNNI = "int8-vnni"

    var code: Int32 {
        switch self {
        case .avx2: return Int32(RT_INT8_AVX2)
        case .avx512VNNI: return Int32(RT_INT8_AVX512_VNNI)
        }
    }

    /// Whether this CPU (and its OS) can run the kernel.
    public var isSupported: Bool { rt_int8_kernel_supported(code) != 0 }

    /// The fastest kernel this CPU runs.
    public static var best: Int8Kernel { avx512VNNI.isSupported ? .avx512VNNI : .avx2 }

    /// The kernel in use: `best`, unless the environment variable `RAGTUNE_INT8_KERNEL` names
    /// another one (`avx2` or `vnni`, with or without the `int8-` prefix) that this CPU runs; an
    /// unknown or unsupported name is ignored with a warning on stderr.
    public static let selected: Int8Kernel = {
        guard let requested = ProcessInfo.processInfo.environment["RAGTUNE_INT8_KERNEL"], !requested.isEmpty else {
            return best
        }
        let name = requested.hasPrefix("int8-") ? requested : "int8-" + requested
        guard let kernel = Int8Kernel(rawValue: name), kernel.isSupported else {
            FileHandle.standardError.write(Data(
                "warning: RAGTUNE_INT8_KERNEL=\(requested) is not a kernel this CPU runs (avx2, vnni); using \(best.rawValue)\n".utf8))
            return best
        }
        return kernel
    }()
}
