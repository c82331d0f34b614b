import Foundation
import RagTuneModelFiles
import RagTuneModels
import RagTuneTensor
import RagTuneTokenizers

/// SmolLM2 prefill and decode speed (`ragtune bench decode`): the prompt as one ChatML user turn,
/// greedy decoding with EOS ignored, round 0 a warm-up. Benchmarks/bench_decode.sh runs llama.cpp
/// on the same prompt ids in the same run and prints the ratios.
public enum DecodeBenchmark {
    /// What to measure.
    public struct Options: Sendable {
        /// The user turn's text.
        public var prompt: String
        /// Tokens generated after the prompt.
        public var tokens: Int
        /// Thread counts to measure.
        public var threads: [Int]
        /// Measured rounds per thread count (median reported).
        public var rounds: Int

        /// Each argument sets the property of the same name.
        public init(prompt: String, tokens: Int, threads: [Int], rounds: Int) {
            self.prompt = prompt
            self.tokens = tokens
            self.threads = threads
            self.rounds = rounds
        }
    }

    /// One thread count's rates.
    public struct Result: Codable, Sendable, Equatable {
        public var threads: Int
        /// Median of the rounds, tokens/s.
        public var prefillTokensPerSecond: Double
        /// Median of the rounds, tokens/s.
        public var decodeTokensPerSecond: Double
        public var prefillRounds: [Double]
        public var decodeRounds: [Double]
        /// Weight bytes one decode step reads.
        public var weightBytesPerToken: Int
        /// GB/s, measured after all decoding.
        public var readBandwidthGBps: Double

        enum CodingKeys: String, CodingKey {
            case threads
            case prefillTokensPerSecond = "prefill_tokens_per_second", decodeTokensPerSecond = "decode_tokens_per_second"
            case prefillRounds = "prefill_rounds", decodeRounds = "decode_rounds"
            case weightBytesPerToken = "weight_bytes_per_token", readBandwidthGBps = "read_bandwidth_gbps"
        }

        /// The text report's line (with the decode rate the bandwidth allows).
        public var line: String {
            let ceiling = readBandwidthGBps * 1e9 / Double(weightBytesPerToken)
            return String(format: "threads %d: prefill %.0f tok/s, decode %.1f tok/s (bandwidth ceiling %.0f tok/s at %.1f GB/s)",
                          threads, prefillTokensPerSecond, decodeTokensPerSecond, ceiling, readBandwidthGBps)
        }
    }

    /// The `--json` object of `bench decode`.
    public struct Report: Encodable, Sendable {
        public var benchmark = "decode"
        /// The GGUF file name.
        public var model: String
        public var promptIds: [Int]
        public var promptTokens: Int
        public var generatedTokens: Int
        /// The greedy continuation of the first round (compared with llama.cpp's).
        public var generatedIds: [Int]
        public var machine: MachineReport
        public var results: [Result]
        /// Peak RSS after decoding, before the bandwidth test, MB.
        public var peakRSSMB: Double
        public var kernel = "float activations; quantized matvec from the Q4_1/Q8_0 blocks (decode), dequantize + SGEMM (prefill)"

        enum CodingKeys: String, CodingKey {
            case benchmark, model, machine, results, kernel
            case promptIds = "prompt_ids", promptTokens = "prompt_tokens", generatedTokens = "generated_tokens"
            case generatedIds = "generated_ids", peakRSSMB = "peak_rss_mb"
        }

        /// The text report's last line.
        public var memoryLine: String {
            String(format: "peak RSS %.0f MB; weights read per token %.1f MB", peakRSSMB,
                   Double(results.first?.weightBytesPerToken ?? 0) / 1e6)
        }
    }

    /// Loads SmolLM2 from the model directory and measures each thread count.
    /// - Throws: the model's load or evaluation error.
    public static func run(_ options: Options, log: BenchLog) throws -> Report {
        let spec = ModelCatalog.smollm2
        let gguf = try GGUFFile(url: ModelDirectory().file(spec.weightsFile, of: spec))
        let model = try LlamaModel(gguf: gguf)
        let tokenizer = try BPETokenizer(gguf: gguf)
        let promptIds = tokenizer.encode(ChatTemplate.smolLM2.pieces([ChatMessage(role: "user", content: options.prompt)]))
        let machine = MachineReport.current()
        log.note("CPU: \(machine.cpu), SIMD \(machine.simd); prompt \(promptIds.count) tokens, generating \(options.tokens)")
        var rates: [(prefill: [Double], decode: [Double])] = []
        var firstGenerated: [Int] = []
        for t in options.threads {
            let session = LlamaSession(model: model, maxContext: promptIds.count + options.tokens + 1, threads: t)
            var prefillRates: [Double] = [], decodeRates: [Double] = []
            for round in 0...options.rounds { // round 0 warms up
                session.reset()
                let start = DispatchTime.now().uptimeNanoseconds
                var logits = try session.evaluate(promptIds)[0]
                let prefilled = DispatchTime.now().uptimeNanoseconds
                var generated: [Int] = []
                for _ in 0..<options.tokens {
                    let next = logits.withUnsafeBufferPointer { Kernels.argmax($0.baseAddress!, count: $0.count) }
                    generated.append(next)
                    logits = try session.evaluate([next])[0]
                }
                let done = DispatchTime.now().uptimeNanoseconds
                if firstGenerated.isEmpty { firstGenerated = generated }
                guard round > 0 else { continue }
                prefillRates.append(Double(promptIds.count) / (Double(prefilled - start) / 1e9))
                decodeRates.append(Double(options.tokens) / (Double(done - prefilled) / 1e9))
            }
            rates.append((prefillRates, decodeRates))
        }
        // Peak memory of the model at work, read before the bandwidth test allocates its buffer.
        let memory = ProcessMemory.current()
        let results = zip(options.threads, rates).map { t, rate in
            Result(threads: t, prefillTokensPerSecond: BenchStatistics.median(rate.prefill),
                   decodeTokensPerSecond: BenchStatistics.median(rate.decode),
                   prefillRounds: rate.prefill, decodeRounds: rate.decode, weightBytesPerToken: model.weightBytesPerToken,
                   readBandwidthGBps: MachineBenchmark.readBandwidth(threads: t))
        }
        return Report(model: spec.weightsFile, promptIds: promptIds, promptTokens: promptIds.count,
                      generatedTokens: options.tokens, generatedIds: firstGenerated, machine: machine, results: results,
                      peakRSSMB: memory.peakResidentMB)
    }
}
