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

    @Option(help: "The store built by `ragtune index`.")
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

    @Flag(help: "Print one JSON object on stdout (no streaming).")
    var json = false

    func validate() throws {
        guard maxTokens >= 1 else { throw ValidationError("--max-tokens must be at least 1") }
    }

    func run() throws {
        var clock = Date()
        let database = try SQLiteStore(path: store, mode: .readOnly)
        let embedder = try MiniLMEmbedder(threads: threadOptions.threads)
        let generator = try generatorOptions.make(threads: threadOptions.threads)
        let pipeline = try rag.pipeline(store: database, generator: generator, embedder: embedder, maxAnswerTokens: maxTokens,
                                        threads: threadOptions.threads)
        let loadSeconds = Date().timeIntervalSince(clock)
        clock = Date()
        let answer = try pipeline.answer(question, user: user, filters: filterOptions.pairs) { text in
            if !json { printFlushed(text) }
        }
        if json {
            var timings = answer.timings
            timings["load"] = loadSeconds
            print(JSONText.object(answerJSON(answer, timings: timings)))
            return
        }
        if answer.generated != nil { print("") }   // end the streamed line
        if let refusal = answer.refusal {
            if answer.generated != nil { print("[replaced: \(refusal.rawValue.replacingOccurrences(of: "_", with: " "))]") }
            print(answer.answer)
        }
        if !answer.citations.isEmpty { print("\nSources:") }
        for source in answer.citations {
            print("  [\(source.number)] \(source.chunk.documentTitle) — \(source.chunk.documentSource) "
                  + "(id \(source.chunk.chunk.documentID), chunk \(source.chunk.chunk.ordinal), "
                  + "chars \(source.chunk.chunk.startOffset)–\(source.chunk.chunk.endOffset))")
        }
        logError(String(format: "%.2f s (load %.2f s)", Date().timeIntervalSince(clock), loadSeconds))
    }

    private func answerJSON(_ answer: RAGAnswer, timings: [String: Double]) -> [String: Any] {
        func passage(_ p: SourcePassage) -> [String: Any] {
            ["n": p.number, "doc_id": p.chunk.chunk.documentID, "source": p.chunk.documentSource, "title": p.chunk.documentTitle,
             "chunk": p.chunk.chunk.ordinal, "start": p.chunk.chunk.startOffset, "end": p.chunk.chunk.endOffset,
             "score": Double(p.score), "similarity": p.similarity.map { Double($0) as Any } ?? NSNull(),
             "excerpt": p.excerpt ?? NSNull()]
        }
        return [
            "question": answer.question, "queries": answer.queries, "answer": answer.answer, "generated": answer.generated ?? NSNull(),
            "refused": answer.refusal != nil, "refusal": answer.refusal?.rawValue ?? NSNull(),
            "citations": answer.citations.map(passage), "sources": answer.sources.map(passage),
            "retrieved": answer.retrieved.map(passage),
            "sentences": answer.sentences.map { ["text": $0.text, "source": $0.source ?? NSNull(), "support": $0.support,
                                                 "informative": $0.informative] as [String: Any] },
            "usage": ["prompt_tokens": answer.promptTokens, "completion_tokens": answer.completionTokens],
            "timings": timings,
        ]
    }
}
