import ArgumentParser
import Foundation
import RagTuneModels
import RagTuneTensor

/// `ragtune bench …`: throughput benchmarks reported against this machine's measured ceilings.
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Benchmarks: throughput vs this machine's measured SGEMM peak and bandwidth.",
        subcommands: [EmbedBench.self, EmbedCorpusBench.self, DecodeBench.self, TrainBench.self, KernelBench.self, BM25Bench.self, HNSWBench.self, FuzzBench.self, FuzzWorker.self, CrashBench.self])
}

/// The thread counts of a `--threads 1,2` option.
/// - Throws: `ValidationError` for an entry that is not a whole number in 1...`ThreadLimit.maximum`.
func benchThreadCounts(_ list: String) throws -> [Int] {
    let counts = try list.split(separator: ",").map { entry -> Int in
        guard let count = Int(entry.trimmingCharacters(in: .whitespaces)) else {
            throw ValidationError("--threads \(list): '\(entry)' is not a whole number")
        }
        if let problem = ThreadLimit.problem(with: count) { throw ValidationError(problem) }
        return count
    }
    guard !counts.isEmpty else { throw ValidationError("--threads: give at least one thread count, e.g. 1,2") }
    return counts
}

/// The middle of the measured rounds (the upper one of an even count; 0 for none).
func benchMedian(_ values: [Double]) -> Double {
    let sorted = values.sorted()
    return sorted.isEmpty ? 0 : sorted[sorted.count / 2]
}

/// The machine facts every benchmark prints.
func machineReport() -> [String: Any] {
    let cpu = CPUInfo.current()
    let env = ProcessInfo.processInfo.environment
    return ["cpu": cpu.modelName, "logical_cores": cpu.logicalCores, "simd": cpu.simdFeatures,
            "openblas_core": BLAS.coreName, "openblas_config": BLAS.configuration,
            "OPENBLAS_CORETYPE": env["OPENBLAS_CORETYPE"] ?? NSNull(),
            "OPENBLAS_L2_SIZE": env["OPENBLAS_L2_SIZE"] ?? NSNull()]
}

struct EmbedBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "embed",
        abstract: "MiniLM embedding throughput: 128-token chunks, batch 32, at 1 and 2 threads.")

    @Option(help: "Tokens per chunk, including [CLS] and [SEP].")
    var tokens: Int = 128

    @Option(name: .customLong("batch-size"))
    var batchSize: Int = 32

    @Option(help: "Seconds to measure each configuration, split over three rounds (median reported).")
    var seconds: Double = 9

    @Option(help: "Thread counts to measure, comma-separated.")
    var threads: String = "1,2"

    @Flag(help: "Print one JSON object on stdout.")
    var json = false

    func validate() throws {
        guard (3...512).contains(tokens) else { throw ValidationError("--tokens must be in 3...512") }
        guard batchSize >= 1 else { throw ValidationError("--batch-size must be at least 1") }
        _ = try benchThreadCounts(threads)
    }

    /// The `--threads` list (checked by `validate`).
    var threadCounts: [Int] { (try? benchThreadCounts(threads)) ?? [] }

    func run() throws {
        let machine = machineReport()
        if !json { logError("CPU: \(machine["cpu"]!), SIMD \(machine["simd"]!), OpenBLAS core \(BLAS.coreName)") }
        var embedder = try MiniLMEmbedder(batchSize: batchSize)
        let config = embedder.model.config
        // Deterministic ids from the ordinary vocabulary (1000..<vocab), framed by [CLS]/[SEP]:
        // four batches per call, as when embedding a corpus (scratch memory is reused across batches).
        var state: UInt64 = 42
        let batch: [[Int]] = (0..<(4 * batchSize)).map { _ in
            [101] + (0..<(tokens - 2)).map { _ in
                state = state &* 6364136223846793005 &+ 1442695040888963407
                return 1000 + Int(state >> 33) % (config.vocabularySize - 1000)
            } + [102]
        }
        let flopsPerChunk = config.forwardFLOPs(tokens: tokens)
        // Ceilings first, on an otherwise idle process.
        let ceilings = threadCounts.map {
            (peak: MachineBenchmark.sgemmPeak(threads: $0), bandwidth: MachineBenchmark.readBandwidth(threads: $0))
        }
        var results: [[String: Any]] = []
        for (t, ceiling) in zip(threadCounts, ceilings) {
            embedder.threads = t
            let (peak, bandwidth) = ceiling
            // Three rounds; the median is reported (this shared VM's throughput wanders by ±10%).
            var failure: Error?
            let rounds = (0..<3).map { _ in
                MachineBenchmark.measure(seconds: seconds / 3) {
                    do { _ = try embedder.embed(tokenized: batch) } catch { failure = error }
                } * Double(batch.count)
            }.sorted()
            if let failure { throw failure }
            let chunks = rounds[1]
            let gflops = chunks * flopsPerChunk / 1e9
            results.append(["threads": t, "chunks_per_second": chunks, "chunks_per_second_rounds": rounds,
                            "gflops": gflops,
                            "sgemm_peak_gflops": peak, "fraction_of_peak": gflops / peak,
                            "read_bandwidth_gbps": bandwidth])
            if !json {
                print(String(format: "threads %d: %.1f chunks/s, %.1f GFLOP/s = %.0f%% of SGEMM peak %.1f GFLOP/s (read bandwidth %.1f GB/s)",
                             t, chunks, gflops, 100 * gflops / peak, peak, bandwidth))
            }
        }
        if json {
            print(JSONText.object(["benchmark": "embed", "model": "all-MiniLM-L6-v2", "tokens_per_chunk": tokens,
                                   "batch_size": batchSize, "gflop_per_chunk": flopsPerChunk / 1e9,
                                   "machine": machine, "results": results]))
        }
    }
}
