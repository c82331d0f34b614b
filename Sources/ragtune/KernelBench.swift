import ArgumentParser
import Foundation
import RagTuneTensor

/// `ragtune bench kernels`: the decode matrix-vector kernel per weight type, one thread.
struct KernelBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kernels",
        abstract: "Quantized matrix-vector throughput per weight type on one thread (G weights/s).",
        discussion: "Random weights in SmolLM2's FFN shape (1536 × 576), quantized per type; Float32 activations.")

    @Option(help: "Seconds per kernel.")
    var seconds: Double = 1

    @Flag(help: "Print one JSON object on stdout.")
    var json = false

    func run() throws {
        let rows = 1536, columns = 576
        var rng = SplitMix64(seed: 7)
        let weights = rng.floats(rows * columns, -0.1, 0.1)
        let x = rng.floats(columns, -2, 2)
        var y = [Float](repeating: 0, count: rows)
        var results: [[String: Any]] = []
        for type in [QuantType.q4_0, .q4_1, .q8_0, .f16, .bf16, .f32] {
            let stored = Quantization.quantize(type: type, weights) ?? weights.withUnsafeBytes { Array($0) }
            let rate = stored.withUnsafeBytes { w in
                MachineBenchmark.measure(seconds: seconds) {
                    Quantization.matvec(type: type, rows: w.baseAddress!, rowCount: rows, columns: columns, x: x, y: &y)
                }
            }
            let gweights = rate * Double(rows * columns) / 1e9
            let gbytes = rate * Double(stored.count) / 1e9
            results.append(["type": "\(type)", "gweights_per_second": gweights, "gbytes_per_second": gbytes])
            if !json { print(String(format: "%@: %.1f G weights/s (%.1f GB/s of weights)", "\(type)", gweights, gbytes)) }
        }
        if json {
            print(JSONText.object(["benchmark": "kernels", "rows": rows, "columns": columns, "threads": 1,
                                   "machine": machineReport(), "results": results]))
        }
    }
}
