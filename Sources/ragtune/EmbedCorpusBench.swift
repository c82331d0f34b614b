import ArgumentParser
import Foundation
import RagTuneEvaluation
import RagTuneModels
import RagTuneTensor

/// `ragtune bench embed-corpus`: MiniLM throughput on a real BEIR corpus, texts to vectors.
///
/// Inputs are built as BEIR's `SentenceBERT.encode_corpus` builds them, `(title + " " + text).strip()`,
/// and WordPiece truncates to 256 tokens as sentence-transformers does for all-MiniLM-L6-v2.
/// Each round is one full `MiniLMEmbedder.embed(_:)` call (tokenization included); Benchmarks/
/// bench_embed_corpus.sh runs the numpy reference on the same documents.
struct EmbedCorpusBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "embed-corpus",
        abstract: "MiniLM embedding throughput on a BEIR corpus.jsonl (docs/s, tokens/s), at 1 and 2 threads.")

    @Option(help: "BEIR corpus.jsonl to embed.")
    var corpus: String = "../shared/data/scifact/corpus.jsonl"

    @Option(help: "Embed only the first N documents (default: all).")
    var limit: Int?

    @Option(name: .customLong("batch-size"), help: "Sequences per forward pass.")
    var batchSize: Int = 32

    @Option(help: "Thread counts to measure, comma-separated.")
    var threads: String = "1,2"

    @Option(help: "Full passes over the documents per thread count (median reported).")
    var rounds: Int = 3

    @Option(name: .customLong("vectors-out"),
            help: "Write {\"lengths\": token counts, \"vectors\": the first --check-docs vectors} as JSON here.")
    var vectorsOut: String?

    @Option(name: .customLong("check-docs"), help: "Vectors written by --vectors-out.")
    var checkDocs: Int = 16

    @Flag(help: "Print one JSON object on stdout.")
    var json = false

    func validate() throws {
        guard batchSize >= 1 else { throw ValidationError("--batch-size must be at least 1") }
        guard rounds >= 1 else { throw ValidationError("--rounds must be at least 1") }
        _ = try benchThreadCounts(threads)
        if let limit, limit < 1 { throw ValidationError("--limit must be at least 1") }
    }

    /// The `--threads` list (checked by `validate`).
    var threadCounts: [Int] { (try? benchThreadCounts(threads)) ?? [] }

    func run() throws {
        let machine = machineReport()
        if !json { logError("CPU: \(machine["cpu"]!), SIMD \(machine["simd"]!), OpenBLAS core \(BLAS.coreName)") }
        var documents = try BEIRCorpus(contentsOf: URL(fileURLWithPath: corpus)).documents
        if let limit { documents = Array(documents.prefix(limit)) }
        guard !documents.isEmpty else { throw ValidationError("\(corpus) has no documents") }
        let texts = documents.map { ($0.title + " " + $0.text).trimmingCharacters(in: .whitespacesAndNewlines) }
        var embedder = try MiniLMEmbedder(batchSize: batchSize)
        let config = embedder.model.config

        // Tokenization alone, once per thread count, to report its share.
        let lengths = embedder.tokenize(texts).map(\.count)
        let tokens = lengths.reduce(0, +)
        let flops = lengths.reduce(0.0) { $0 + config.forwardFLOPs(tokens: $1) }
        let ceilings = threadCounts.map { MachineBenchmark.sgemmPeak(threads: $0) }
        var results: [[String: Any]] = []
        var vectors: [[Float]] = []
        for (t, peak) in zip(threadCounts, ceilings) {
            embedder.threads = t
            _ = try embedder.embed(Array(texts.prefix(batchSize)))  // warm-up: pages, OpenBLAS buffers
            var start = Date()
            _ = embedder.tokenize(texts)
            let tokenizeSeconds = Date().timeIntervalSince(start)
            var docsPerSecond: [Double] = []
            for _ in 0..<rounds {
                start = Date()
                vectors = try embedder.embed(texts)
                docsPerSecond.append(Double(texts.count) / Date().timeIntervalSince(start))
            }
            let docs = benchMedian(docsPerSecond)
            let seconds = Double(texts.count) / docs
            let gflops = flops / seconds / 1e9
            results.append(["threads": t, "docs_per_second": docs, "docs_per_second_rounds": docsPerSecond,
                            "tokens_per_second": Double(tokens) / seconds, "tokenize_seconds": tokenizeSeconds,
                            "gflops": gflops, "sgemm_peak_gflops": peak, "fraction_of_peak": gflops / peak])
            if !json {
                print(String(format: "threads %d: %.1f docs/s, %.0f tokens/s, %.1f GFLOP/s = %.0f%% of SGEMM peak %.1f GFLOP/s (tokenization %.2f s of %.2f s)",
                             t, docs, Double(tokens) / seconds, gflops, 100 * gflops / peak, peak,
                             tokenizeSeconds, seconds))
            }
        }
        if let vectorsOut {
            let body = "{\"lengths\": \(JSONText.ints(lengths)), \"vectors\": ["
                + vectors.prefix(checkDocs).map(JSONText.floats).joined(separator: ", ") + "]}\n"
            try body.write(toFile: vectorsOut, atomically: true, encoding: .utf8)
        }
        if json {
            print(JSONText.object(["benchmark": "embed-corpus", "model": "all-MiniLM-L6-v2", "corpus": corpus,
                                   "docs": texts.count, "tokens": tokens, "max_length": embedder.tokenizer.maxLength,
                                   "batch_size": batchSize, "gflop_total": flops / 1e9,
                                   "machine": machine, "results": results]))
        }
    }
}
