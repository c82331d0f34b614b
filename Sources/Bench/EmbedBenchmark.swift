import Foundation
import RagTuneModels
import RagTuneTensor

/// MiniLM embedding throughput on synthetic chunks (`ragtune bench embed`): fixed-length token
/// ids, four batches per call, reported against the SGEMM peak and read bandwidth measured first.
public enum EmbedBenchmark {
    /// What to measure.
    public struct Options: Sendable {
        /// Tokens per chunk, including [CLS] and [SEP] (3...512).
        public var tokens: Int
        /// Sequences per forward pass.
        public var batchSize: Int
        /// Seconds per thread count, split over three rounds.
        public var seconds: Double
        /// Thread counts to measure.
        public var threads: [Int]

        /// Each argument sets the property of the same name.
        public init(tokens: Int, batchSize: Int, seconds: Double, threads: [Int]) {
            self.tokens = tokens
            self.batchSize = batchSize
            self.seconds = seconds
            self.threads = threads
        }
    }

    /// One thread count's rates.
    public struct Result: Codable, Sendable, Equatable {
        public var threads: Int
        /// Median of the rounds (chunks/s).
        public var chunksPerSecond: Double
        /// The three rounds, ascending.
        public var chunksPerSecondRounds: [Double]
        /// GFLOP/s at the median rate.
        public var gflops: Double
        public var sgemmPeakGFLOPS: Double
        /// `gflops / sgemmPeakGFLOPS`.
        public var fractionOfPeak: Double
        /// GB/s.
        public var readBandwidthGBps: Double

        enum CodingKeys: String, CodingKey {
            case threads, gflops
            case chunksPerSecond = "chunks_per_second", chunksPerSecondRounds = "chunks_per_second_rounds"
            case sgemmPeakGFLOPS = "sgemm_peak_gflops", fractionOfPeak = "fraction_of_peak"
            case readBandwidthGBps = "read_bandwidth_gbps"
        }
    }

    /// The `--json` object of `bench embed`.
    public struct Report: Encodable, Sendable {
        public var benchmark = "embed"
        public var model = "all-MiniLM-L6-v2"
        public var tokensPerChunk: Int
        public var batchSize: Int
        public var gflopPerChunk: Double
        public var machine: MachineReport
        public var results: [Result]

        enum CodingKeys: String, CodingKey {
            case benchmark, model, machine, results
            case tokensPerChunk = "tokens_per_chunk", batchSize = "batch_size", gflopPerChunk = "gflop_per_chunk"
        }

        /// Each argument sets the property of the same name.
        public init(tokensPerChunk: Int, batchSize: Int, gflopPerChunk: Double, machine: MachineReport, results: [Result]) {
            self.tokensPerChunk = tokensPerChunk
            self.batchSize = batchSize
            self.gflopPerChunk = gflopPerChunk
            self.machine = machine
            self.results = results
        }
    }

    /// Loads MiniLM and measures each thread count (ceilings first, on an otherwise idle process).
    /// - Throws: the model's load or embedding error.
    public static func run(_ options: Options, log: BenchLog) throws -> Report {
        let machine = MachineReport.current()
        log.note(machine.line)
        var embedder = try MiniLMEmbedder(batchSize: options.batchSize)
        let config = embedder.model.config
        // Deterministic ids from the ordinary vocabulary (1000..<vocab), framed by [CLS]/[SEP]:
        // four batches per call, as when embedding a corpus (scratch memory is reused across batches).
        var state: UInt64 = 42
        let batch: [[Int]] = (0..<(4 * options.batchSize)).map { _ in
            [101] + (0..<(options.tokens - 2)).map { _ in
                state = state &* 6364136223846793005 &+ 1442695040888963407
                return 1000 + Int(state >> 33) % (config.vocabularySize - 1000)
            } + [102]
        }
        let flopsPerChunk = config.forwardFLOPs(tokens: options.tokens)
        let ceilings = options.threads.map {
            (peak: MachineBenchmark.sgemmPeak(threads: $0), bandwidth: MachineBenchmark.readBandwidth(threads: $0))
        }
        var results: [Result] = []
        for (t, ceiling) in zip(options.threads, ceilings) {
            embedder.threads = t
            // Three rounds; the median is reported (this shared VM's throughput wanders by ±10%).
            var failure: Error?
            let rounds = (0..<3).map { _ in
                MachineBenchmark.measure(seconds: options.seconds / 3) {
                    do { _ = try embedder.embed(tokenized: batch) } catch { failure = error }
                } * Double(batch.count)
            }.sorted()
            if let failure { throw failure }
            let gflops = rounds[1] * flopsPerChunk / 1e9
            results.append(Result(threads: t, chunksPerSecond: rounds[1], chunksPerSecondRounds: rounds, gflops: gflops,
                                  sgemmPeakGFLOPS: ceiling.peak, fractionOfPeak: gflops / ceiling.peak,
                                  readBandwidthGBps: ceiling.bandwidth))
        }
        return Report(tokensPerChunk: options.tokens, batchSize: options.batchSize, gflopPerChunk: flopsPerChunk / 1e9,
                      machine: machine, results: results)
    }
}

extension EmbedBenchmark.Result {
    /// The text report's line for this thread count.
    public var line: String {
        String(format: "threads %d: %.1f chunks/s, %.1f GFLOP/s = %.0f%% of SGEMM peak %.1f GFLOP/s (read bandwidth %.1f GB/s)",
               threads, chunksPerSecond, gflops, 100 * gflops / sgemmPeakGFLOPS, sgemmPeakGFLOPS, readBandwidthGBps)
    }
}
