import Testing
import RagTuneModels
import RagTuneTraining
@testable import RagTuneBench

/// `ragtune bench train`: the FLOP count behind its limit, its sequence, and its report's keys
/// (no timing here: a real run needs SmolLM2 and minutes).
@Suite struct TrainBenchmarkTests {
    /// SmolLM2-135M's shape: 30 layers, d 576, 9 heads with 3 KV heads, ff 1536, vocab 49152.
    static let smolLM2 = LlamaConfig(layerCount: 30, embeddingSize: 576, feedForwardSize: 1536, headCount: 9, kvHeadCount: 3,
                                     ropeBase: 100_000, ropeDimensions: 64, rmsEpsilon: 1e-5, vocabularySize: 49152,
                                     contextLength: 8192)

    @Test func matrixParametersAreTheModelsParametersWithoutNorms() {
        // 134,515,008 parameters in all, of which 61 RMSNorm gains of 576 are no matrix.
        #expect(TrainBenchmark.matrixParameters(Self.smolLM2) == 134_515_008 - 61 * 576)
    }

    @Test func benchmarkSequenceIsDeterministicAndFullyCounted() {
        let a = TrainBenchmark.sequence(length: 16, vocabulary: 49152), b = TrainBenchmark.sequence(length: 16, vocabulary: 49152)
        #expect(a == b && a.tokens.count == 16 && a.countedTokens == 16)
        #expect(Array(a.tokens.dropFirst()) == Array(a.targets.dropLast()))
        #expect(a.tokens.allSatisfy { (1000..<49152).contains($0) })
    }

    @Test func reportKeys() throws {
        let result = TrainBenchmark.Result(threads: 2, tokensPerSecond: 100, rounds: [99, 100, 101], loss: 10.5, sgemmPeakGFLOPS: 200,
                                           flopLimitTokensPerSecond: 400, fractionOfLimit: 0.25, gflops: 50)
        let report = TrainBenchmark.Report(model: "m.gguf", cutoff: 512, rank: 8, targets: ["q_proj", "v_proj"],
                                           gradientCheckpointing: false, matrixParameters: 1, flopPerToken: 4, adapterParameters: 3,
                                           machine: MachineReportFixture.value, results: [result], peakRSSMB: 300)
        let object = try jsonObject(report)
        #expect(keys(object) == ["adapter_parameters", "benchmark", "cutoff", "flop_per_token", "gradient_checkpointing", "kernel",
                                 "machine", "matrix_parameters", "model", "peak_rss_mb", "rank", "results", "targets"])
        #expect(firstKeys(object["results"]) == ["flop_limit_tokens_per_second", "fraction_of_limit", "gflops", "loss", "rounds",
                                                 "sgemm_peak_gflops", "threads", "tokens_per_second"])
        #expect(object["benchmark"] as? String == "train" && object["targets"] as? [String] == ["q_proj", "v_proj"])
        #expect(report.line(result).hasPrefix("threads 2: 100.0 tok/s = 25% of the FLOP limit 400.0 tok/s"))
    }
}
