import ArgumentParser
import Foundation
import RagTuneModelFiles
import RagTuneModels
import RagTuneTensor
import RagTuneTraining

/// `ragtune bench train`: LoRA training tokens/s on the quantized SmolLM2 against the FLOP limit
/// of this machine (≈4 × matrix parameters per token — forward plus the input gradients of a
/// frozen base — divided by the SGEMM peak measured in the same run), and peak RSS.
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

    /// The `--threads` list (checked by `validate`).
    var threadCounts: [Int] { (try? benchThreadCounts(threads)) ?? [] }

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
        let spec = ModelCatalog.smollm2
        let model = try LlamaModel(gguf: GGUFFile(url: ModelDirectory().file(spec.weightsFile, of: spec)))
        let config = model.config
        guard cutoff <= config.contextLength else {
            throw ValidationError("--cutoff \(cutoff) exceeds the model's context length \(config.contextLength)")
        }
        let lora = LoRAConfiguration(rank: rank, alpha: Float(2 * rank), dropout: 0, targets: try projections, seed: 1)
        let sequence = Self.sequence(length: cutoff, vocabulary: config.vocabularySize)
        let matrixParameters = Self.matrixParameters(config)
        let flopPerToken = 4 * Double(matrixParameters)
        let machine = machineReport()
        if !json {
            logError("CPU: \(machine["cpu"]!), SIMD \(machine["simd"]!), OpenBLAS core \(BLAS.coreName); "
                     + "\(cutoff) tokens, r=\(rank) on \(targets)\(gradientCheckpointing ? ", checkpointing" : "")")
        }
        var results: [[String: Any]] = []
        for t in threadCounts {
            let trainer = try LoRAModel(base: model, lora: lora, threads: t, gradientCheckpointing: gradientCheckpointing)
            var rates: [Double] = [], losses: [Double] = []
            for step in 0...steps { // step 0 warms up
                let start = DispatchTime.now().uptimeNanoseconds
                let (loss, _) = try trainer.lossAndGradients(batch: [sequence])
                let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
                guard step > 0 else { continue }
                rates.append(Double(cutoff) / seconds)
                losses.append(Double(loss))
            }
            results.append(["threads": t, "tokens_per_second": benchMedian(rates), "rounds": rates, "loss": losses.first ?? 0])
        }
        // Peak memory of the training passes, read before the SGEMM benchmark allocates its matrices.
        let memory = ProcessMemory.current()
        for (i, t) in threadCounts.enumerated() {
            let peak = MachineBenchmark.sgemmPeak(threads: t)
            let limit = peak * 1e9 / flopPerToken
            let rate = results[i]["tokens_per_second"] as! Double
            results[i]["sgemm_peak_gflops"] = peak
            results[i]["flop_limit_tokens_per_second"] = limit
            results[i]["fraction_of_limit"] = rate / limit
            results[i]["gflops"] = rate * flopPerToken / 1e9
            if !json {
                print(String(format: "threads %d: %.1f tok/s = %.0f%% of the FLOP limit %.1f tok/s (SGEMM peak %.1f GFLOP/s, 4 × %.1fM params per token)",
                             t, rate, 100 * rate / limit, limit, peak, Double(matrixParameters) / 1e6))
            }
        }
        if json {
            print(JSONText.object([
                "benchmark": "train", "model": spec.weightsFile, "cutoff": cutoff, "rank": rank,
                "targets": targets.split(separator: ",").map(String.init), "gradient_checkpointing": gradientCheckpointing,
                "matrix_parameters": matrixParameters, "flop_per_token": flopPerToken,
                "adapter_parameters": LoRALayout(config: config, rank: rank, targets: try projections).count,
                "machine": machine, "results": results, "peak_rss_mb": memory.peakResidentMB,
                "kernel": "quantized base dequantized per block of rows + SGEMM (forward and input gradients); LoRA in SGEMM"]))
        } else {
            print(String(format: "peak RSS %.0f MB", memory.peakResidentMB))
        }
    }

    /// Weights that take part in a matrix product per token: the seven projections of every
    /// layer and the output head (the embedding lookup is free).
    static func matrixParameters(_ config: LlamaConfig) -> Int {
        let perLayer = LlamaProjection.allCases.reduce(0) { sum, projection in
            let (rows, columns) = projection.shape(config)
            return sum + rows * columns
        }
        return config.layerCount * perLayer + config.vocabularySize * config.embeddingSize
    }

    /// Deterministic ordinary-vocabulary ids, every position counted in the loss.
    static func sequence(length: Int, vocabulary: Int) -> TrainingSequence {
        var state: UInt64 = 42
        let ids = (0...length).map { _ -> Int in
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return 1000 + Int((state >> 33) % UInt64(vocabulary - 1000))
        }
        return TrainingSequence(tokens: Array(ids.dropLast()), targets: Array(ids.dropFirst()), mask: Array(repeating: true, count: length))
    }
}
