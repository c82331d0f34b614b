import Foundation
import RagTuneTensor

/// The decode matrix-vector kernels per weight type on one thread (`ragtune bench kernels`):
/// random weights in SmolLM2's two FFN shapes (1536 × 576 as gate/up, 576 × 1536 as down),
/// quantized per type; Float32 activations for the float kernel, int8 ones for each int8 kernel
/// this CPU runs (activation quantization included in the time). The matrices fit in L2, so
/// this is the kernels' compute rate, not the memory's.
public enum KernelBenchmark {
    /// The measured shapes, (rows, columns).
    public static let shapes = [(rows: 1536, columns: 576), (rows: 576, columns: 1536)]

    /// One weight type's rates.
    public struct Result: Codable, Sendable, Equatable {
        /// `QuantType` name (`Q4_0`, …, `F32`).
        public var type: String
        /// `float`, `int8-avx2` or `int8-vnni`.
        public var kernel: String
        /// `ROWSxCOLUMNS`.
        public var shape: String
        /// Weights multiplied per second, billions.
        public var gweightsPerSecond: Double
        /// Stored weight bytes read per second, GB.
        public var gbytesPerSecond: Double

        enum CodingKeys: String, CodingKey {
            case type, kernel, shape
            case gweightsPerSecond = "gweights_per_second", gbytesPerSecond = "gbytes_per_second"
        }

        /// The text report's line.
        public var line: String {
            String(format: "%@ %@ %@: %.1f G weights/s (%.1f GB/s of weights)", type, kernel, shape, gweightsPerSecond,
                   gbytesPerSecond)
        }
    }

    /// The `--json` object of `bench kernels`.
    public struct Report: Encodable, Sendable {
        public var benchmark = "kernels"
        public var threads = 1
        public var machine: MachineReport
        public var results: [Result]
    }

    /// Measures every weight type and kernel for `seconds` each, in both shapes.
    public static func run(seconds: Double) -> Report {
        var results: [Result] = []
        for (rows, columns) in shapes {
            var rng = SplitMix64(seed: 7)
            let weights = rng.floats(rows * columns, -0.1, 0.1)
            let x = rng.floats(columns, -2, 2)
            var y = [Float](repeating: 0, count: rows)
            func result(_ type: QuantType, _ kernel: String, rate: Double, bytes: Int) -> Result {
                Result(type: "\(type)", kernel: kernel, shape: "\(rows)x\(columns)",
                       gweightsPerSecond: rate * Double(rows * columns) / 1e9, gbytesPerSecond: rate * Double(bytes) / 1e9)
            }
            for type in [QuantType.q4_0, .q4_1, .q8_0, .f16, .bf16, .f32] {
                let stored = Quantization.quantize(type: type, weights) ?? weights.withUnsafeBytes { Array($0) }
                let rate = stored.withUnsafeBytes { w in
                    MachineBenchmark.measure(seconds: seconds) {
                        Quantization.matvec(type: type, rows: w.baseAddress!, rowCount: rows, columns: columns, x: x, y: &y)
                    }
                }
                results.append(result(type, "float", rate: rate, bytes: stored.count))
                guard let packed = stored.withUnsafeBytes({ w in
                    Int8Matrix(type: type, rows: w.baseAddress!, rowBytes: stored.count / rows, rowCount: rows, columns: columns)
                }) else { continue }
                let activations = Int8Activations()
                for kernel in Int8Kernel.allCases where kernel.isSupported {
                    let rate = MachineBenchmark.measure(seconds: seconds) {
                        activations.quantize(x, count: columns)
                        packed.multiply(activations, into: &y, groups: 0..<packed.groupCount, kernel: kernel)
                    }
                    results.append(result(type, kernel.rawValue, rate: rate, bytes: stored.count))
                }
            }
        }
        return Report(machine: .current(), results: results)
    }
}
