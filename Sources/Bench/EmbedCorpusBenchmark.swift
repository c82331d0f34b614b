import Foundation
import RagTuneEvaluation
import RagTuneModels
import RagTuneTensor

/// MiniLM throughput on a real BEIR corpus, texts to vectors (`ragtune bench embed-corpus`).
///
/// Inputs are built as BEIR's `SentenceBERT.encode_corpus` builds them, `(title + " " + text).strip()`,
/// and WordPiece truncates to 256 tokens as sentence-transformers does for all-MiniLM-L6-v2.
/// Each round is one full `MiniLMEmbedder.embed(_:)` call (tokenization included); Benchmarks/
/// bench_embed_corpus.sh runs the numpy reference on the same documents.
public enum EmbedCorpusBenchmark {
    /// What to measure.
    public struct Options: Sendable {
        /// BEIR corpus.jsonl.
        public var corpus: String
        /// Only the first `limit` documents (nil: all).
        public var limit: Int?
        /// Sequences per forward pass.
        public var batchSize: Int
        /// Thread counts to measure.
        public var threads: [Int]
        /// Full passes per thread count (median reported).
        public var rounds: Int

        /// Each argument sets the property of the same name.
        public init(corpus: String, limit: Int?, batchSize: Int, threads: [Int], rounds: Int) {
            self.corpus = corpus
            self.limit = limit
            self.batchSize = batchSize
            self.threads = threads
            self.rounds = rounds
        }
    }

    /// One thread count's rates.
    public struct Result: Codable, Sendable, Equatable {
        public var threads: Int
        /// Median of the rounds.
        public var docsPerSecond: Double
        public var docsPerSecondRounds: [Double]
        public var tokensPerSecond: Double
        /// Seconds to tokenize all documents once.
        public var tokenizeSeconds: Double
        public var gflops: Double
        public var sgemmPeakGFLOPS: Double
        public var fractionOfPeak: Double

        enum CodingKeys: String, CodingKey {
            case threads, gflops
            case docsPerSecond = "docs_per_second", docsPerSecondRounds = "docs_per_second_rounds"
            case tokensPerSecond = "tokens_per_second", tokenizeSeconds = "tokenize_seconds"
            case sgemmPeakGFLOPS = "sgemm_peak_gflops", fractionOfPeak = "fraction_of_peak"
        }

        /// The text report's line for this thread count (`documents`: the corpus size).
        public func line(documents: Int) -> String {
            String(format: "threads %d: %.1f docs/s, %.0f tokens/s, %.1f GFLOP/s = %.0f%% of SGEMM peak %.1f GFLOP/s (tokenization %.2f s of %.2f s)",
                   threads, docsPerSecond, tokensPerSecond, gflops, 100 * fractionOfPeak, sgemmPeakGFLOPS,
                   tokenizeSeconds, Double(documents) / docsPerSecond)
        }
    }

    /// The `--json` object of `bench embed-corpus`.
    public struct Report: Encodable, Sendable {
        public var benchmark = "embed-corpus"
        public var model = "all-MiniLM-L6-v2"
        /// The corpus path as given.
        public var corpus: String
        public var docs: Int
        /// Tokens of all documents after truncation.
        public var tokens: Int
        public var maxLength: Int
        public var batchSize: Int
        public var gflopTotal: Double
        public var machine: MachineReport
        public var results: [Result]

        enum CodingKeys: String, CodingKey {
            case benchmark, model, corpus, docs, tokens, machine, results
            case maxLength = "max_length", batchSize = "batch_size", gflopTotal = "gflop_total"
        }
    }

    /// The report, and what `--vectors-out` writes: each document's token count and the vectors
    /// of the last round.
    public struct Outcome: Sendable {
        public var report: Report
        /// Token counts per document.
        public var lengths: [Int]
        /// `[documents][384]`, L2-normalized.
        public var vectors: [[Float]]
    }

    /// Embeds the corpus `rounds` times per thread count.
    /// - Throws: `BenchError.invalidInput` for an empty corpus; read, parse and model errors.
    public static func run(_ options: Options, log: BenchLog) throws -> Outcome {
        let machine = MachineReport.current()
        log.note(machine.line)
        var documents = try BEIRCorpus(contentsOf: URL(fileURLWithPath: options.corpus)).documents
        if let limit = options.limit { documents = Array(documents.prefix(limit)) }
        guard !documents.isEmpty else { throw BenchError.invalidInput("\(options.corpus) has no documents") }
        let texts = documents.map { ($0.title + " " + $0.text).trimmingCharacters(in: .whitespacesAndNewlines) }
        var embedder = try MiniLMEmbedder(batchSize: options.batchSize)
        let config = embedder.model.config

        let lengths = embedder.tokenize(texts).map(\.count)
        let tokens = lengths.reduce(0, +)
        let flops = lengths.reduce(0.0) { $0 + config.forwardFLOPs(tokens: $1) }
        let ceilings = options.threads.map { MachineBenchmark.sgemmPeak(threads: $0) }
        var results: [Result] = []
        var vectors: [[Float]] = []
        for (t, peak) in zip(options.threads, ceilings) {
            embedder.threads = t
            _ = try embedder.embed(Array(texts.prefix(options.batchSize)))  // warm-up: pages, OpenBLAS buffers
            // Tokenization alone, once per thread count, to report its share.
            let tokenizeSeconds = BenchStatistics.seconds { _ = embedder.tokenize(texts) }
            var docsPerSecond: [Double] = []
            for _ in 0..<options.rounds {
                let seconds = try BenchStatistics.seconds { vectors = try embedder.embed(texts) }
                docsPerSecond.append(Double(texts.count) / seconds)
            }
            let docs = BenchStatistics.median(docsPerSecond)
            let seconds = Double(texts.count) / docs
            let gflops = flops / seconds / 1e9
            results.append(Result(threads: t, docsPerSecond: docs, docsPerSecondRounds: docsPerSecond,
                                  tokensPerSecond: Double(tokens) / seconds, tokenizeSeconds: tokenizeSeconds,
                                  gflops: gflops, sgemmPeakGFLOPS: peak, fractionOfPeak: gflops / peak))
        }
        let report = Report(corpus: options.corpus, docs: texts.count, tokens: tokens, maxLength: embedder.tokenizer.maxLength,
                            batchSize: options.batchSize, gflopTotal: flops / 1e9, machine: machine, results: results)
        return Outcome(report: report, lengths: lengths, vectors: vectors)
    }
}
