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
        /// Decode paths to measure, each at every thread count.
        public var precisions: [DecodePrecision]
        /// Adds one more decode run per path and thread count, timed per operation.
        public var profile: Bool
        /// Numbers of sequences to also decode together in one batch (each above 1), per path and thread count.
        public var batchSizes: [Int]

        /// Each argument sets the property of the same name.
        public init(prompt: String, tokens: Int, threads: [Int], rounds: Int,
                    precisions: [DecodePrecision] = [.int8, .exact], profile: Bool = false, batchSizes: [Int] = []) {
            self.prompt = prompt
            self.tokens = tokens
            self.threads = threads
            self.rounds = rounds
            self.precisions = precisions
            self.profile = profile
            self.batchSizes = batchSizes
        }
    }

    /// One decode path's rates at one thread count.
    public struct Result: Codable, Sendable, Equatable {
        public var threads: Int
        /// `int8` or `exact`.
        public var precision: String
        /// What ran the decode products: `float` (exact), `int8-avx2` or `int8-vnni`.
        public var kernel: String
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
        /// Decode tok/s over the bandwidth ceiling (read bandwidth / weight bytes per token).
        public var bandwidthShare: Double
        /// The greedy continuation of the first round.
        public var generatedIds: [Int]
        /// Where a decode step's time goes (with `profile`), largest share first.
        @NullEncoded public var profile: [OperationTime]?
        /// Where the prompt's time goes (with `profile`; milliseconds per prompt token), largest share first.
        @NullEncoded public var prefillProfile: [OperationTime]?

        enum CodingKeys: String, CodingKey {
            case threads, precision, kernel
            case bandwidthShare = "bandwidth_share", generatedIds = "generated_ids", profile
            case prefillProfile = "prefill_profile"
            case prefillTokensPerSecond = "prefill_tokens_per_second", decodeTokensPerSecond = "decode_tokens_per_second"
            case prefillRounds = "prefill_rounds", decodeRounds = "decode_rounds"
            case weightBytesPerToken = "weight_bytes_per_token", readBandwidthGBps = "read_bandwidth_gbps"
        }

        /// The text report's line (with the decode rate the bandwidth allows).
        public var line: String {
            let ceiling = readBandwidthGBps * 1e9 / Double(weightBytesPerToken)
            return String(format: "%@, threads %d: prefill %.0f tok/s, decode %.1f tok/s (%.0f%% of the bandwidth ceiling %.0f tok/s at %.1f GB/s)",
                          kernel, threads, prefillTokensPerSecond, decodeTokensPerSecond, 100 * bandwidthShare, ceiling,
                          readBandwidthGBps)
        }
    }

    /// One operation's time per decoded (or, in a prefill profile, prompt) token.
    public struct OperationTime: Codable, Sendable, Equatable {
        public var operation: String
        public var millisecondsPerToken: Double
        public var share: Double

        enum CodingKeys: String, CodingKey {
            case operation, share
            case millisecondsPerToken = "milliseconds_per_token"
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
        /// The greedy continuation of the first round of the first result (compared with llama.cpp's).
        public var generatedIds: [Int]
        public var machine: MachineReport
        public var results: [Result]
        /// Several sequences decoding together (`batch_sizes`).
        public var batched: [BatchResult] = []
        /// Peak RSS after decoding, before the bandwidth test, MB.
        public var peakRSSMB: Double
        public var kernel = "decode: int8 activations × repacked weights (int8-avx2 / int8-vnni) or float activations × "
            + "the stored Q4_1/Q8_0 blocks (float); prefill: dequantize + SGEMM (prompts up to "
            + "\(LlamaSession.int8BatchRowLimit(.avx2)) tokens with int8-avx2, \(LlamaSession.int8BatchRowLimit(.avx512VNNI)) "
            + "with int8-vnni: batched int8 products, four tokens per weight block)"

        enum CodingKeys: String, CodingKey {
            case benchmark, model, machine, results, kernel, batched
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
        var rates: [(threads: Int, precision: DecodePrecision, prefill: [Double], decode: [Double], ids: [Int],
                     profile: (prefill: [OperationTime], decode: [OperationTime])?)] = []
        var batched: [BatchResult] = []
        for (precision, t) in options.precisions.flatMap({ p in options.threads.map { (p, $0) } }) {
            let session = LlamaSession(model: model, maxContext: promptIds.count + options.tokens + 1, threads: t,
                                       precision: precision)
            var prefillRates: [Double] = [], decodeRates: [Double] = []
            var firstGenerated: [Int] = []
            for round in 0...options.rounds { // round 0 warms up
                session.reset()
                let start = DispatchTime.now().uptimeNanoseconds
                var logits = try session.evaluate(promptIds)[0]
                let prefilled = DispatchTime.now().uptimeNanoseconds
                var generated: [Int] = []
                generated.reserveCapacity(options.tokens)
                for _ in 0..<options.tokens {
                    let next = logits.withUnsafeBufferPointer { Kernels.argmax($0.baseAddress!, count: $0.count) }
                    generated.append(next)
                    try session.evaluateNext(next, into: &logits)
                }
                let done = DispatchTime.now().uptimeNanoseconds
                if firstGenerated.isEmpty { firstGenerated = generated }
                guard round > 0 else { continue }
                prefillRates.append(Double(promptIds.count) / (Double(prefilled - start) / 1e9))
                decodeRates.append(Double(options.tokens) / (Double(done - prefilled) / 1e9))
            }
            let profile = options.profile ? try Self.profile(session, promptIds: promptIds, tokens: options.tokens) : nil
            rates.append((t, precision, prefillRates, decodeRates, firstGenerated, profile))
            let single = BenchStatistics.median(decodeRates)
            for count in options.batchSizes where count > 1 {
                log.note("\(precision.rawValue), threads \(t): \(count) sequences decoding together ...")
                let measured = try measureBatch(session, promptIds: promptIds, sequences: count, tokens: options.tokens,
                                                rounds: options.rounds, profile: options.profile)
                batched.append(BatchResult(threads: t, precision: precision.rawValue, sequences: count,
                                           decodeTokensPerSecond: measured.rate,
                                           speedup: single > 0 ? measured.rate / single : 0, profile: measured.profile))
            }
        }
        // Peak memory of the model at work, read before the bandwidth test allocates its buffer.
        let memory = ProcessMemory.current()
        let bandwidth = Dictionary(uniqueKeysWithValues: options.threads.map { ($0, MachineBenchmark.readBandwidth(threads: $0)) })
        let results = rates.map { rate in
            let decode = BenchStatistics.median(rate.decode), gbps = bandwidth[rate.threads] ?? 0
            return Result(threads: rate.threads, precision: rate.precision.rawValue,
                          kernel: rate.precision == .exact ? "float" : Int8Kernel.selected.rawValue,
                          prefillTokensPerSecond: BenchStatistics.median(rate.prefill), decodeTokensPerSecond: decode,
                          prefillRounds: rate.prefill, decodeRounds: rate.decode, weightBytesPerToken: model.weightBytesPerToken,
                          readBandwidthGBps: gbps,
                          bandwidthShare: gbps > 0 ? decode / (gbps * 1e9 / Double(model.weightBytesPerToken)) : 0,
                          generatedIds: rate.ids, profile: rate.profile?.decode, prefillProfile: rate.profile?.prefill)
        }
        return Report(model: spec.weightsFile, promptIds: promptIds, promptTokens: promptIds.count,
                      generatedTokens: options.tokens, generatedIds: results.first?.generatedIds ?? [], machine: machine,
                      results: results, batched: batched,
                      peakRSSMB: memory.peakResidentMB)
    }

    /// One more prefill and greedy decode of `tokens` after it, with every operation timed.
    static func profile(_ session: LlamaSession, promptIds: [Int],
                        tokens: Int) throws -> (prefill: [OperationTime], decode: [OperationTime]) {
        session.reset()
        let prefill = DecodeProfile(), decode = DecodeProfile()
        defer { session.profile = nil }
        session.profile = prefill
        var logits = try session.evaluate(promptIds)[0]
        session.profile = decode
        for _ in 0..<tokens {
            let next = logits.withUnsafeBufferPointer { Kernels.argmax($0.baseAddress!, count: $0.count) }
            try session.evaluateNext(next, into: &logits)
        }
        return (times(prefill, per: promptIds.count), times(decode, per: tokens))
    }

    static func times(_ profile: DecodeProfile, per tokens: Int) -> [OperationTime] {
        profile.shares.map {
            OperationTime(operation: $0.operation.rawValue, millisecondsPerToken: 1000 * $0.seconds / Double(tokens), share: $0.share)
        }
    }
}
