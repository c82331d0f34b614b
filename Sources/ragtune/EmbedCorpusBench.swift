import ArgumentParser
import Foundation
import RagTuneBench

/// `ragtune bench embed-corpus`: MiniLM throughput on a real BEIR corpus (`EmbedCorpusBenchmark`).
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

    func run() throws {
        let options = EmbedCorpusBenchmark.Options(corpus: corpus, limit: limit, batchSize: batchSize,
                                                   threads: try benchThreadCounts(threads), rounds: rounds)
        let outcome = try EmbedCorpusBenchmark.run(options, log: .standardError(json: json))
        if let vectorsOut {
            // Written as text, so that every float keeps Swift's shortest round-trip form.
            let body = "{\"lengths\": \(JSONText.ints(outcome.lengths)), \"vectors\": ["
                + outcome.vectors.prefix(checkDocs).map(JSONText.floats).joined(separator: ", ") + "]}\n"
            try body.write(toFile: vectorsOut, atomically: true, encoding: .utf8)
        }
        if json {
            try printJSON(outcome.report)
        } else {
            outcome.report.results.forEach { print($0.line(documents: outcome.report.docs)) }
        }
    }
}
