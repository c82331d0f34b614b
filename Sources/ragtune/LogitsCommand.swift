import ArgumentParser
import Foundation
import RagTuneModels
import RagTuneTensor

/// `ragtune logits`: the top logits at every position of raw texts (no chat template).
struct LogitsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "logits",
        abstract: "Print the top-N (id, logit) pairs at every position of each {\"text\"} line.",
        discussion: "Output JSONL: {\"text\", \"ids\", \"positions\": [{\"pos\", \"id\", \"top\": [[id, logit], ...]}]}. "
            + "Special tokens in the text are parsed; no BOS is added; the whole text runs as one batch.")

    @Option(help: "Generator model (only smollm2 ships).")
    var model: ModelChoice = .smollm2

    @OptionGroup var io: JSONLOptions

    @Option(help: "How many top logits per position.")
    var top: Int = 10

    @OptionGroup var threadOptions: ThreadOptions

    func validate() throws {
        guard model == .smollm2 else { throw ValidationError("--model: only smollm2 has logits") }
        guard top >= 1 else { throw ValidationError("--top must be at least 1") }
    }

    func run() throws {
        let texts = try JSONLines(path: io.input).texts()
        let generator = try TextGenerator(threads: threadOptions.threads, precision: .exact) // the reference path
        var positions = 0
        for (n, text) in texts.enumerated() {
            let ids = generator.tokenizer.encode(text, parseSpecial: true)
            guard !ids.isEmpty else {
                throw InputError.badLine(path: io.input, line: n + 1, reason: "text has no tokens")
            }
            generator.session.reset()
            let logits = try generator.session.evaluate(ids, allLogits: true)
            let rows = zip(ids, logits).enumerated().map { pos, pair in
                let best = pair.1.indices.sorted { pair.1[$0] > pair.1[$1] }.prefix(top)
                return "{\"pos\": \(pos), \"id\": \(pair.0), \"top\": ["
                    + best.map { "[\($0), \(pair.1[$0])]" }.joined(separator: ", ") + "]}"
            }
            positions += ids.count
            print("{\"text\": \(JSONText.string(text)), \"ids\": \(JSONText.ints(ids)), \"positions\": [\(rows.joined(separator: ", "))]}")
        }
        if io.json { try printJSON(["summary": LogitsSummary(lines: texts.count, positions: positions)]) }
    }
}

/// The summary line after `logits --json`'s records.
struct LogitsSummary: Encodable {
    var lines: Int
    var positions: Int
}
