import ArgumentParser
import Foundation
import RagTuneModels
import RagTuneRAG
import RagTuneStorage

/// `ragtune ask --store PATH "question"`: a RAG answer with citations, streamed, then its sources.
struct AskCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ask",
        abstract: "Answer a question from a store's documents with SmolLM2, citing the sources used.",
        discussion: """
            Retrieves with the caller's ACL and filters, refuses ("Not found in the sources.") when no \
            chunk is similar enough to the question or when the answer's new information is in no \
            source, and lists the cited sources with their document, file and chunk.
            """)

    @Option(help: "The store built by `ragtune index` (an SQLite file or a postgres:// URL).")
    var store: String

    @Argument(help: "The question.")
    var question: String

    @Option(help: "Ask as this user: documents with an ACL are used only when it lists them.")
    var user: String?

    @OptionGroup var filterOptions: FilterOptions

    @Option(name: .customLong("max-tokens"), help: "Longest answer, in tokens.")
    var maxTokens: Int = 128

    @OptionGroup var rag: RAGOptions

    @OptionGroup var generatorOptions: GeneratorOptions

    @OptionGroup var threadOptions: ThreadOptions

    @OptionGroup var jsonOutput: JSONOutputOptions

    func validate() throws {
        guard maxTokens >= 1 else { throw ValidationError("--max-tokens must be at least 1") }
    }

    func run() throws {
        var clock = Date()
        let pipeline = try RAGPipeline.open(storePath: store, configuration: rag.configuration(maxAnswerTokens: maxTokens),
                                            generator: { try generatorOptions.make(threads: threadOptions.threads) },
                                            threads: threadOptions.threads, log: { logError($0) })
        let loadSeconds = Date().timeIntervalSince(clock)
        clock = Date()
        var answer = try pipeline.answer(question, user: user, filters: filterOptions.pairs) { text in
            if !jsonOutput.json { printFlushed(text) }
        }
        if jsonOutput.json {
            answer.timings["load"] = loadSeconds
            return try printJSON(answer)
        }
        if answer.generated != nil { print("") }   // end the streamed line
        if let refusal = answer.refusal, answer.replacedGenerated || answer.generated == nil {
            if answer.replacedGenerated { print("[replaced: \(refusal.rawValue.replacingOccurrences(of: "_", with: " "))]") }
            print(answer.answer)
        }
        if !answer.citations.isEmpty { print("\nSources:") }
        for source in answer.citations {
            print("  [\(source.number)] \(source.chunk.documentTitle) — \(source.chunk.documentSource) "
                  + "(id \(source.chunk.documentID), chunk \(source.chunk.ordinal), "
                  + "chars \(source.chunk.startOffset)–\(source.chunk.endOffset))")
            for sentence in answer.evidence where sentence.cited && sentence.source == source.number {
                print("      copied from: \"\(sentence.text)\"")
            }
        }
        logError(String(format: "%.2f s (load %.2f s)", Date().timeIntervalSince(clock), loadSeconds))
    }
}
