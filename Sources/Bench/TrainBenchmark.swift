import Foundation
import RagTuneModelFiles
import RagTuneModels
import RagTuneTensor
import RagTuneTraining

/// LoRA training tokens/s on the quantized SmolLM2 (`ragtune bench train`) against the FLOP limit
/// of this machine (≈4 × matrix parameters per token — forward plus the input gradients of a
/// frozen base — divided by the SGEMM peak measured in the same run), and peak RSS.
public enum TrainBenchmark {
    /// What to measure.
    public struct Options: Sendable {
        /// Tokens per training sequence (at most the model's context length).
        public var cutoff: Int
        /// LoRA rank.
        public var rank: Int
        /// Adapted modules.
        public var targets: [LlamaProjection]
        /// Thread counts to measure.
        public var threads: [Int]
        /// Measured steps per thread count after one warm-up step (median reported).
        public var steps: Int
        /// Recompute each layer's activations in the backward pass.
        public var gradientCheckpointing: Bool

        /// Each argument sets the property of the same name.
        public init(cutoff: Int, rank: Int, targets: [LlamaProjection], threads: [Int], steps: Int,
                    gradientCheckpointing: Bool) {
            self.cutoff = cutoff
            self.rank = rank
            self.targets = targets
            self.threads = threads
            self.steps = steps
            self.gradientCheckpointing = gradientCheckpointing
        }
    }

    /// One thread count's rates.
    public struct Result: Codable, Sendable, Equatable {
        public var threads: Int
        /// Median of the steps.
        public var tokensPerSecond: Double
        /// Tokens/s of each measured step.
        public var rounds: [Double]
        /// Loss of the first measured step.
        public var loss: Double
        public var sgemmPeakGFLOPS: Double
        /// `sgemmPeakGFLOPS` / FLOP per token.
        public var flopLimitTokensPerSecond: Double
        public var fractionOfLimit: Double
        public var gflops: Double

        enum CodingKeys: String, CodingKey {
            case threads, rounds, loss, gflops
            case tokensPerSecond = "tokens_per_second", sgemmPeakGFLOPS = "sgemm_peak_gflops"
            case flopLimitTokensPerSecond = "flop_limit_tokens_per_second", fractionOfLimit = "fraction_of_limit"
        }
    }

    /// The `--json` object of `bench train`.
    public struct Report: Encodable, Sendable {
        public var benchmark = "train"
        /// The GGUF file name.
        public var model: String
        public var cutoff: Int
        public var rank: Int
        /// Module names as given.
        public var targets: [String]
        public var gradientCheckpointing: Bool
        public var matrixParameters: Int
        public var flopPerToken: Double
        public var adapterParameters: Int
        public var machine: MachineReport
        public var results: [Result]
        /// Peak RSS after training, before the SGEMM benchmark, MB.
        public var peakRSSMB: Double
        public var kernel = "quantized base dequantized per block of rows + SGEMM (forward and input gradients); LoRA in SGEMM"

        enum CodingKeys: String, CodingKey {
            case benchmark, model, cutoff, rank, targets, machine, results, kernel
            case gradientCheckpointing = "gradient_checkpointing", matrixParameters = "matrix_parameters"
            case flopPerToken = "flop_per_token", adapterParameters = "adapter_parameters", peakRSSMB = "peak_rss_mb"
        }

        /// The text report's line for one thread count.
        public func line(_ result: Result) -> String {
            String(format: "threads %d: %.1f tok/s = %.0f%% of the FLOP limit %.1f tok/s (SGEMM peak %.1f GFLOP/s, 4 × %.1fM params per token)",
                   result.threads, result.tokensPerSecond, 100 * result.fractionOfLimit, result.flopLimitTokensPerSecond,
                   result.sgemmPeakGFLOPS, Double(matrixParameters) / 1e6)
        }
    }

    /// Loads SmolLM2 from the model directory and measures each thread count.
    /// - Throws: `BenchError.invalidInput` when the cutoff exceeds the context; the model's errors.
    public static func run(_ options: Options, log: BenchLog) throws -> Report {
        let spec = ModelCatalog.smollm2
        let model = try LlamaModel(gguf: GGUFFile(url: ModelDirectory().file(spec.weightsFile, of: spec)))
        let config = model.config
        guard options.cutoff <= config.contextLength else {
            throw BenchError.invalidInput("--cutoff \(options.cutoff) exceeds the model's context length \(config.contextLength)")
        }
        let lora = LoRAConfiguration(rank: options.rank, alpha: Float(2 * options.rank), dropout: 0, targets: options.targets, seed: 1)
        let sequence = self.sequence(length: options.cutoff, vocabulary: config.vocabularySize)
        let flopPerToken = 4 * Double(matrixParameters(config))
        let machine = MachineReport.current()
        let names = options.targets.map(\.rawValue).joined(separator: ",")
        log.note(machine.line + "; \(options.cutoff) tokens, r=\(options.rank) on \(names)"
                 + (options.gradientCheckpointing ? ", checkpointing" : ""))
        var measured: [(rates: [Double], losses: [Double])] = []
        for t in options.threads {
            let trainer = try LoRAModel(base: model, lora: lora, threads: t, gradientCheckpointing: options.gradientCheckpointing)
            var rates: [Double] = [], losses: [Double] = []
            for step in 0...options.steps { // step 0 warms up
                let (seconds, (loss, _)) = try BenchStatistics.timed { try trainer.lossAndGradients(batch: [sequence]) }
                guard step > 0 else { continue }
                rates.append(Double(options.cutoff) / seconds)
                losses.append(Double(loss))
            }
            measured.append((rates, losses))
        }
        // Peak memory of the training passes, read before the SGEMM benchmark allocates its matrices.
        let memory = ProcessMemory.current()
        let results = zip(options.threads, measured).map { t, run in
            let peak = MachineBenchmark.sgemmPeak(threads: t)
            let rate = BenchStatistics.median(run.rates), limit = peak * 1e9 / flopPerToken
            return Result(threads: t, tokensPerSecond: rate, rounds: run.rates, loss: run.losses.first ?? 0,
                          sgemmPeakGFLOPS: peak, flopLimitTokensPerSecond: limit, fractionOfLimit: rate / limit,
                          gflops: rate * flopPerToken / 1e9)
        }
        return Report(model: spec.weightsFile, cutoff: options.cutoff, rank: options.rank,
                      targets: options.targets.map(\.rawValue), gradientCheckpointing: options.gradientCheckpointing,
                      matrixParameters: matrixParameters(config), flopPerToken: flopPerToken,
                      adapterParameters: LoRALayout(config: config, rank: options.rank, targets: options.targets).count,
                      machine: machine, results: results, peakRSSMB: memory.peakResidentMB)
    }

    /// Weights that take part in a matrix product per token: the seven projections of every
    /// layer and the output head (the embedding lookup is free).
    public static func matrixParameters(_ config: LlamaConfig) -> Int {
        let perLayer = LlamaProjection.allCases.reduce(0) { sum, projection in
            let (rows, columns) = projection.shape(config)
            return sum + rows * columns
        }
        return config.layerCount * perLayer + config.vocabularySize * config.embeddingSize
    }

    /// Deterministic ordinary-vocabulary ids, every position counted in the loss.
    public static func sequence(length: Int, vocabulary: Int) -> TrainingSequence {
        var state: UInt64 = 42
        let ids = (0...length).map { _ -> Int in
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return 1000 + Int((state >> 33) % UInt64(vocabulary - 1000))
        }
        return TrainingSequence(tokens: Array(ids.dropLast()), targets: Array(ids.dropFirst()), mask: Array(repeating: true, count: length))
    }
}
