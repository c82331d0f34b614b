import ArgumentParser
import Foundation
import RagTuneModels

/// `ragtune embed --model minilm --input FILE.jsonl [--output FILE]`
struct EmbedCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "embed",
        abstract: "Embed each {\"text\"} line; print JSONL {\"text\", \"embedding\": [384 floats]}.")

    @Option(help: "Embedding model (only minilm ships).")
    var model: ModelChoice = .minilm

    @OptionGroup var io: JSONLOptions

    @Option(help: "Write JSONL here instead of stdout.")
    var output: String?

    @OptionGroup var threadOptions: ThreadOptions

    @Option(name: .customLong("batch-size"), help: "Sequences per forward pass.")
    var batchSize: Int = 32

    func validate() throws {
        guard model == .minilm else { throw ValidationError("--model: only minilm is an embedding model") }
        guard batchSize >= 1 else { throw ValidationError("--batch-size must be at least 1") }
    }

    func run() throws {
        let texts = try JSONLines(path: io.input).texts()
        let embedder = try MiniLMEmbedder(batchSize: batchSize, threads: threadOptions.threads)
        let start = Date()
        let vectors = try embedder.embed(texts)
        let seconds = Date().timeIntervalSince(start)
        let out = try OutputSink(path: output)
        for (text, vector) in zip(texts, vectors) {
            try out.line("{\"text\": \(JSONText.string(text)), \"embedding\": \(JSONText.floats(vector))}")
        }
        try out.commit()
        let summary = EmbedSummary(lines: texts.count, dimension: embedder.dimension, seconds: seconds,
                                   textsPerSecond: seconds > 0 ? Double(texts.count) / seconds : 0)
        if io.json { try printJSON(["summary": summary]) }
        else { logError("embedded \(texts.count) texts in \(String(format: "%.2f", seconds)) s") }
    }
}

/// The summary line after `embed --json`'s records.
struct EmbedSummary: Encodable {
    var lines: Int
    var dimension: Int
    var seconds: Double
    var textsPerSecond: Double

    enum CodingKeys: String, CodingKey { case lines, dimension, seconds, textsPerSecond = "texts_per_second" }
}
