import ArgumentParser
import Foundation
import RagTuneBench
import RagTuneModels

/// `ragtune bench train`: LoRA training tokens/s on SmolLM2 against this machine's FLOP limit
/// (`TrainBenchmark`).
struct TrainBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "LoRA forward+backward tokens/s on SmolLM2 vs 4 × params FLOP/token at the measured SGEMM peak.")

    @Option(help: "Tokens per training sequence.")
    var cutoff: Int = 512

    @Option(help: "LoRA rank.")
    var rank: Int = 8

    @Option(help: "Adapted modules, comma-separated.")
    var targets: String = LlamaProjection.allCases.map(\.rawValue).joined(separator: ",")

    @Option(help: "Thread counts to measure, comma-separated.")
    var threads: String = "2"

    @Option(help: "Measured steps per configuration after one warm-up step (median reported).")
    var steps: Int = 3

    @Flag(name: .customLong("gradient-checkpointing"), help: "Recompute each layer's activations in the backward pass.")
    var gradientCheckpointing = false

    @Flag(help: "Print one JSON object on stdout.")
    var json = false

    /// The `--targets` list.
    /// - Throws: `ValidationError` naming an unknown module.
    var projections: [LlamaProjection] {
        get throws {
            try targets.split(separator: ",").map { name in
                guard let projection = LlamaProjection(rawValue: String(name)) else {
                    throw ValidationError("--targets: unknown module '\(name)' (use \(LlamaProjection.allCases.map(\.rawValue).joined(separator: ", ")))")
                }
                return projection
            }
        }
    }

    func validate() throws {
        guard cutoff >= 2 else { throw ValidationError("--cutoff must be at least 2") }
        guard rank >= 1 else { throw ValidationError("--rank must be at least 1") }
        guard steps >= 1 else { throw ValidationError("--steps must be at least 1") }
        _ = try benchThreadCounts(threads)
        _ = try projections
    }

    func run() throws {
        let options = TrainBenchmark.Options(cutoff: cutoff, rank: rank, targets: try projections,
                                             threads: try benchThreadCounts(threads), steps: steps,
                                             gradientCheckpointing: gradientCheckpointing)
        let report = try TrainBenchmark.run(options, log: .standardError(json: json))
        if json {
            try printJSON(report)
        } else {
            report.results.forEach { print(report.line($0)) }
            print(String(format: "peak RSS %.0f MB", report.peakRSSMB))
        }
    }
}
