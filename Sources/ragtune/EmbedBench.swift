import ArgumentParser
import RagTuneBench

/// `ragtune bench embed`: MiniLM throughput on synthetic 128-token chunks (`EmbedBenchmark`).
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

    func run() throws {
        let options = EmbedBenchmark.Options(tokens: tokens, batchSize: batchSize, seconds: seconds,
                                             threads: try benchThreadCounts(threads))
        let report = try EmbedBenchmark.run(options, log: .standardError(json: json))
        if json { try printJSON(report) } else { report.results.forEach { print($0.line) } }
    }
}
