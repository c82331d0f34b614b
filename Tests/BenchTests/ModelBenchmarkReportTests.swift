import Testing
@testable import RagTuneBench

/// The `--json` keys of the benchmarks that need a model (`bench embed`, `embed-corpus`,
/// `decode`), pinned on reports built here; Benchmarks/*.sh read these keys.
@Suite struct ModelBenchmarkReportTests {
    @Test func embedReportKeys() throws {
        let result = EmbedBenchmark.Result(threads: 1, chunksPerSecond: 10, chunksPerSecondRounds: [9, 10, 11], gflops: 20,
                                           sgemmPeakGFLOPS: 80, fractionOfPeak: 0.25, readBandwidthGBps: 12)
        let object = try jsonObject(EmbedBenchmark.Report(tokensPerChunk: 128, batchSize: 32, gflopPerChunk: 2,
                                                          machine: MachineReportFixture.value, results: [result]))
        #expect(keys(object) == ["batch_size", "benchmark", "gflop_per_chunk", "machine", "model", "results", "tokens_per_chunk"])
        #expect(firstKeys(object["results"]) == ["chunks_per_second", "chunks_per_second_rounds", "fraction_of_peak", "gflops",
                                                 "read_bandwidth_gbps", "sgemm_peak_gflops", "threads"])
        #expect(object["benchmark"] as? String == "embed" && object["model"] as? String == "all-MiniLM-L6-v2")
        #expect(result.line == "threads 1: 10.0 chunks/s, 20.0 GFLOP/s = 25% of SGEMM peak 80.0 GFLOP/s (read bandwidth 12.0 GB/s)")
    }

    @Test func embedCorpusReportKeys() throws {
        let result = EmbedCorpusBenchmark.Result(threads: 2, docsPerSecond: 50, docsPerSecondRounds: [50], tokensPerSecond: 5000,
                                                 tokenizeSeconds: 0.5, gflops: 30, sgemmPeakGFLOPS: 60, fractionOfPeak: 0.5)
        let report = EmbedCorpusBenchmark.Report(corpus: "c.jsonl", docs: 100, tokens: 10_000, maxLength: 256, batchSize: 32,
                                                 gflopTotal: 60, machine: MachineReportFixture.value, results: [result])
        let object = try jsonObject(report)
        #expect(keys(object) == ["batch_size", "benchmark", "corpus", "docs", "gflop_total", "machine", "max_length", "model",
                                 "results", "tokens"])
        #expect(firstKeys(object["results"]) == ["docs_per_second", "docs_per_second_rounds", "fraction_of_peak", "gflops",
                                                 "sgemm_peak_gflops", "threads", "tokenize_seconds", "tokens_per_second"])
        #expect(object["benchmark"] as? String == "embed-corpus")
        // 100 documents at 50 docs/s take 2 s.
        #expect(result.line(documents: 100).hasSuffix("(tokenization 0.50 s of 2.00 s)"))
    }

    @Test func decodeReportKeys() throws {
        let result = DecodeBenchmark.Result(threads: 1, precision: "int8", kernel: "int8-avx2", prefillTokensPerSecond: 500,
                                            decodeTokensPerSecond: 40, prefillRounds: [500], decodeRounds: [40],
                                            weightBytesPerToken: 100_000_000, readBandwidthGBps: 10, bandwidthShare: 0.4,
                                            generatedIds: [4, 5, 6], profile: nil)
        let batch = DecodeBenchmark.BatchResult(threads: 2, precision: "int8", sequences: 16, decodeTokensPerSecond: 160,
                                                speedup: 1.5, profile: nil)
        let report = DecodeBenchmark.Report(model: "m.gguf", promptIds: [1, 2], promptTokens: 2, generatedTokens: 3,
                                            generatedIds: [4, 5, 6], machine: MachineReportFixture.value, results: [result],
                                            batched: [batch], peakRSSMB: 200)
        let object = try jsonObject(report)
        #expect(firstKeys(object["batched"]) == ["decode_tokens_per_second", "precision", "profile", "sequences", "speedup", "threads"])
        #expect(batch.line == "int8, threads 2, 16 sequences: decode 160.0 tok/s in all (1.50× one sequence)")
        #expect(keys(object) == ["batched", "benchmark", "generated_ids", "generated_tokens", "kernel", "machine", "model", "peak_rss_mb",
                                 "prompt_ids", "prompt_tokens", "results"])
        #expect(firstKeys(object["results"]) == ["bandwidth_share", "decode_rounds", "decode_tokens_per_second", "generated_ids",
                                                 "kernel", "precision", "prefill_profile", "prefill_rounds", "prefill_tokens_per_second", "profile",
                                                 "read_bandwidth_gbps", "threads", "weight_bytes_per_token"])
        // 10 GB/s over 100 MB per token: a ceiling of 100 tokens/s.
        #expect(result.line == "int8-avx2, threads 1: prefill 500 tok/s, decode 40.0 tok/s "
                + "(40% of the bandwidth ceiling 100 tok/s at 10.0 GB/s)")
        #expect(report.memoryLine == "peak RSS 200 MB; weights read per token 100.0 MB")
    }
}
