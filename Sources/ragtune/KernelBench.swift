import ArgumentParser
import RagTuneBench

/// `ragtune bench kernels`: the decode matrix-vector kernel per weight type, one thread (`KernelBenchmark`).
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
        let report = KernelBenchmark.run(seconds: seconds)
        if json { try printJSON(report) } else { report.results.forEach { print($0.line) } }
    }
}
