import Foundation
import RagTuneTensor

/// The decode matrix-vector kernel per weight type on one thread (`ragtune bench kernels`):
/// random weights in SmolLM2's FFN shape (1536 × 576), quantized per type; Float32 activations.
public enum KernelBenchmark {
    /// Rows and columns of the measured matrix.
    public static let rows = 1536, columns = 576

    /// One weight type's rates.
    public struct Result: Codable, Sendable, Equatable {
        /// `QuantType` name (`Q4_0`, …, `F32`).
        public var type: String
        /// Weights multiplied per second, billions.
        public var gweightsPerSecond: Double
        /// Stored weight bytes read per second, GB.
        public var gbytesPerSecond: Double

        enum CodingKeys: String, CodingKey {
            case type
            case gweightsPerSecond = "gweights_per_second", gbytesPerSecond = "gbytes_per_second"
        }

        /// The text report's line.
        public var line: String {
            String(format: "%@: %.1f G weights/s (%.1f GB/s of weights)", type, gweightsPerSecond, gbytesPerSecond)
        }
    }

    /// The `--json` object of `bench kernels`.
    public struct Report: Encodable, Sendable {
        public var benchmark = "kernels"
        public var rows = KernelBenchmark.rows, columns = KernelBenchmark.columns
        public var threads = 1
        public var machine: MachineReport
        public var results: [Result]
    }

    /// Measures every weight type for `seconds` each.
    public static func run(seconds: Double) -> Report {
        var rng = SplitMix64(seed: 7)
        let weights = rng.floats(rows * columns, -0.1, 0.1)
        let x = rng.floats(columns, -2, 2)
        var y = [Float](repeating: 0, count: rows)
        var results: [Result] = []
        for type in [QuantType.q4_0, .q4_1, .q8_0, .f16, .bf16, .f32] {
            let stored = Quantization.quantize(type: type, weights) ?? weights.withUnsafeBytes { Array($0) }
            let rate = stored.withUnsafeBytes { w in
                MachineBenchmark.measure(seconds: seconds) {
                    Quantization.matvec(type: type, rows: w.baseAddress!, rowCount: rows, columns: columns, x: x, y: &y)
                }
            }
            results.append(Result(type: "\(type)", gweightsPerSecond: rate * Double(rows * columns) / 1e9,
                                  gbytesPerSecond: rate * Double(stored.count) / 1e9))
        }
        return Report(machine: .current(), results: results)
    }
}
