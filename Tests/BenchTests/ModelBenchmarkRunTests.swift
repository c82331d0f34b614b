import Foundation
import Testing
import RagTuneTestSupport
import RagTuneTensor
@testable import RagTuneBench

/// `bench embed`, `decode` and `train` run for real at the smallest sizes (one thread, one
/// round): the reports hold what was measured, with the keys Benchmarks/*.sh read.
@Suite(.serialized) struct ModelBenchmarkRunTests {
    @Test(.needsMiniLM) func embedMeasuresEachThreadCount() throws {
        let report = try EmbedBenchmark.run(.init(tokens: 8, batchSize: 2, seconds: 0.03, threads: [1]), log: .silent)
        #expect(report.results.map(\.threads) == [1] && report.results[0].chunksPerSecondRounds.count == 3)
        #expect(report.results[0].chunksPerSecond > 0 && report.results[0].sgemmPeakGFLOPS > 0)
        #expect(keys(try jsonObject(report)) == ["batch_size", "benchmark", "gflop_per_chunk", "machine", "model", "results",
                                                 "tokens_per_chunk"])
    }

    @Test(.needsSmolLM2) func decodeGeneratesTheAskedTokens() throws {
        let report = try DecodeBenchmark.run(.init(prompt: "Say hi.", tokens: 3, threads: [1], rounds: 1, batchSizes: [2]),
                                             log: .silent)
        #expect(report.generatedIds.count == 3 && report.promptTokens == report.promptIds.count && report.promptTokens > 3)
        #expect(report.results.map(\.threads) == [1, 1] && report.results[0].decodeRounds.count == 1)
        #expect(report.results.map(\.precision) == ["int8", "exact"] && report.results[1].kernel == "float")
        #expect(report.results[0].kernel == Int8Kernel.selected.rawValue && report.results[0].bandwidthShare > 0)
        #expect(report.peakRSSMB > 0 && report.results[0].readBandwidthGBps > 0)
        #expect(report.batched.map(\.sequences) == [2, 2] && report.batched.allSatisfy { $0.decodeTokensPerSecond > 0 })
        #expect(keys(try jsonObject(report)) == ["batched", "benchmark", "generated_ids", "generated_tokens", "kernel", "machine",
                                                 "model", "peak_rss_mb", "prompt_ids", "prompt_tokens", "results"])
    }

    @Test(.needsSmolLM2) func trainMeasuresAgainstTheFLOPLimit() throws {
        let options = TrainBenchmark.Options(cutoff: 8, rank: 1, targets: [.query], threads: [1], steps: 1, gradientCheckpointing: false)
        let report = try TrainBenchmark.run(options, log: .silent)
        let result = try #require(report.results.first)
        #expect(result.rounds.count == 1 && result.loss > 0 && result.loss.isFinite)
        #expect(abs(result.fractionOfLimit - result.tokensPerSecond / result.flopLimitTokensPerSecond) < 1e-12)
        #expect(report.targets == ["q_proj"] && report.flopPerToken == 4 * Double(report.matrixParameters))
        #expect(keys(try jsonObject(report)) == ["adapter_parameters", "benchmark", "cutoff", "flop_per_token", "gradient_checkpointing",
                                                 "kernel", "machine", "matrix_parameters", "model", "peak_rss_mb", "rank", "results",
                                                 "targets"])
    }

    @Test(.needsSmolLM2) func trainRefusesACutoffBeyondTheContext() {
        let options = TrainBenchmark.Options(cutoff: 1 << 20, rank: 1, targets: [.query], threads: [1], steps: 1,
                                             gradientCheckpointing: false)
        #expect(throws: BenchError.invalidInput("--cutoff 1048576 exceeds the model's context length 8192")) {
            try TrainBenchmark.run(options, log: .silent)
        }
    }
}
