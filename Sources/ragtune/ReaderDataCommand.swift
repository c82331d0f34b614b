import ArgumentParser
import Foundation
import RagTuneRAG
import RagTuneRetrieval

/// `ragtune reader-data INPUT... --out FILE`: RAFT-style training data for the extract reader.
struct ReaderDataCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reader-data",
        abstract: "Make reading-comprehension training examples (chat JSONL for `ragtune finetune`) from your documents.",
        discussion: "Each statement of the documents gives questions (a span replaced by a wh-phrase); each question is "
            + "shown in the extract reader's prompt with its sentence among look-alike distractor sentences, and the "
            + "reply is the span copied; a share of examples show only distractors and reply \"\(ExtractiveReader.noAnswerReply)\". "
            + "Train with `ragtune finetune` and use the adapter with `ask`/`eval qa --adapter`; see the README, "
            + "\"A trained reader\".")

    @Argument(help: "Files and folders (txt, md, html, pdf, jsonl).")
    var inputs: [String]

    @Option(help: "Where to write the examples (JSONL; `-` for stdout).")
    var out: String

    @Option(name: .customLong("include"), help: "Only paths matching this glob (repeatable).")
    var includes: [String] = []

    @Option(name: .customLong("exclude"), help: "Skip paths matching this glob (repeatable).")
    var excludes: [String] = []

    @Option(name: .customLong("questions-per-sentence"), help: "At most this many questions per sentence.")
    var questionsPerSentence = 2

    @Option(name: .customLong("context-sentences"), help: "Sentences shown per example (the extract reader shows 3).")
    var contextSentences = 3

    @Option(name: .customLong("unanswerable-share"), help: "Share of examples that show only distractors (0...1).")
    var unanswerableShare = 0.2

    @Option(name: .customLong("max-examples"), help: "Keep at most this many examples (a seeded sample).")
    var maxExamples: Int?

    @Option(help: "Seed for the choice of questions, distractor order and sample.")
    var seed: UInt64 = 42

    @OptionGroup var jsonOutput: JSONOutputOptions

    func validate() throws {
        guard !inputs.isEmpty else { throw ValidationError("give at least one file or folder") }
        guard questionsPerSentence >= 1 else { throw ValidationError("--questions-per-sentence must be at least 1") }
        guard (1...20).contains(contextSentences) else { throw ValidationError("--context-sentences must be in 1...20") }
        guard (0...1).contains(unanswerableShare) else { throw ValidationError("--unanswerable-share must be in 0...1") }
        guard (maxExamples ?? 1) >= 1 else { throw ValidationError("--max-examples must be at least 1") }
        guard !(jsonOutput.json && out == "-") else { throw ValidationError("--json prints a summary on stdout: give --out a file") }
    }

    func run() throws {
        var builder = ReaderExampleBuilder()
        builder.questionsPerSentence = questionsPerSentence
        builder.contextSentences = contextSentences
        builder.unanswerableShare = unanswerableShare
        builder.seed = seed
        builder.maxExamples = maxExamples
        let loaded = DocumentLoader().load(paths: inputs.map { URL(fileURLWithPath: $0) }, include: includes, exclude: excludes)
        for issue in loaded.issues { logError("\(issue.path): \(issue)") }
        guard !loaded.documents.isEmpty else { throw ValidationError("no documents could be read from \(inputs.joined(separator: ", "))") }
        let examples = builder.examples(from: loaded.documents)
        guard !examples.isEmpty else {
            throw ValidationError("the documents hold no statements to make questions from (sentences of 5 to 40 words ending in a period)")
        }
        let sink = try OutputSink(path: out)
        for example in examples { try sink.line(JSONText.encode(example)) }
        try sink.commit()
        let summary = ReaderDataSummary(documents: loaded.documents.count, examples: examples.count,
                                        unanswerable: examples.filter { !$0.answerable }.count, out: out)
        if jsonOutput.json {
            try printJSON(summary)
        } else {
            let line = "\(summary.examples) examples (\(summary.unanswerable) unanswerable) from \(summary.documents) documents -> \(out)"
            if out == "-" { logError(line) } else { print(line) }
        }
    }
}

/// What `reader-data --json` prints.
struct ReaderDataSummary: Encodable {
    var documents: Int
    var examples: Int
    var unanswerable: Int
    var out: String
}
