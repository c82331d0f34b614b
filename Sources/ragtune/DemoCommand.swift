import ArgumentParser
import Foundation
import RagTuneEvaluation
import RagTuneModels
import RagTuneRAG
import RagTuneRetrieval
import RagTuneStorage

/// `ragtune demo`: the product in a few minutes on the bundled sample (`samples/mini-wiki`):
/// index the passages, answer a few questions with citations, then compare closed-book and RAG
/// answers on the sample's QA pairs.
struct DemoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Index the bundled mini-Wikipedia sample, answer questions with citations, compare closed-book and RAG.")

    @Option(help: "Folder with passages.jsonl and qa.jsonl.")
    var sample: String = "samples/mini-wiki"

    @Option(help: "The demo's store (default: $RAGTUNE_HOME/demo/mini-wiki.sqlite; re-runs reuse it).")
    var store: String?

    @Option(help: "QA pairs to compare closed-book and RAG on.")
    var questions: Int = 16

    @OptionGroup var threadOptions: ThreadOptions

    @Flag(help: "Print one JSON object on stdout.")
    var json = false

    /// Questions answered with their sources; the last one is not covered by the sample.
    static let showcase = ["What order do penguins belong to?", "Where is Uruguay's oldest church?",
                           "When did Avogadro become a professor?", "Who invented the telephone?"]

    func validate() throws {
        guard questions >= 1 else { throw ValidationError("--questions must be at least 1") }
    }

    func run() throws {
        let started = Date()
        let storePath = store ?? ModelDirectory().root.deletingLastPathComponent()
            .appendingPathComponent("demo/mini-wiki.sqlite").path
        let passages = URL(fileURLWithPath: sample).appendingPathComponent("passages.jsonl")
        let qaFile = URL(fileURLWithPath: sample).appendingPathComponent("qa.jsonl")

        // 1. Index.
        let database = try openEmbeddingStore(storePath)
        let embedder = try MiniLMEmbedder(threads: threadOptions.threads)
        let chunker = try miniLMChunker(embedder, maxTokens: 200, overlap: 32)
        let loaded = DocumentLoader().load(paths: [passages])
        if let failure = loaded.failures.first { throw ValidationError("\(failure)") }
        var bar = ProgressBar("indexing \(passages.path)", total: loaded.documents.count)
        let counts = try StoreIngestor(store: database, chunker: chunker, embed: embedder.embed)
            .ingest(loaded.documents) { bar.update($0.done) }
        bar.finish(counts.done)
        let indexes = StoreIndexes(storePath: storePath, log: { logError($0) })
        let searcher = try indexes.searcher(for: database, mode: .hybrid)
        let indexSeconds = Date().timeIntervalSince(started)
        if !json {
            print(String(format: "Indexed %d passages (%d new) into %@ in %.1f s.\n", counts.done, counts.added, storePath, indexSeconds))
        }

        // 2. Answers with citations.
        let generator = LocalGenerator(try TextGenerator(threads: threadOptions.threads))
        var options = RAGPipeline.Options()
        options.packer = ContextPacker(maxSources: 3)
        options.maxAnswerTokens = 64
        let pipeline = RAGPipeline(searcher: searcher, store: database,
                                   embed: embedder.embed, generator: generator, options: options)
        var shown: [[String: Any]] = []
        for question in Self.showcase {
            if !json { print("Q: \(question)\nA: ", terminator: "") }
            let answer = try pipeline.answer(question) { if !json { print($0, terminator: "") } }
            if !json {
                if let refusal = answer.refusal {
                    print(answer.generated == nil ? answer.answer : "\n   → \(answer.answer) (\(refusal.rawValue.replacingOccurrences(of: "_", with: " ")))")
                } else {
                    print("")
                }
                for source in answer.citations {
                    print("   [\(source.number)] \(source.chunk.documentTitle), passage \(source.chunk.chunk.documentID)"
                          + " (chars \(source.chunk.chunk.startOffset)–\(source.chunk.chunk.endOffset))")
                }
                print("")
            }
            shown.append(["question": question, "answer": answer.answer, "refusal": answer.refusal?.rawValue ?? NSNull(),
                          "citations": answer.citations.map(\.chunk.chunk.documentID)])
        }

        // 3. Closed-book vs RAG on the sample's QA pairs.
        let pairs = Array(try QADataset(contentsOf: qaFile).pairs.prefix(questions))
        let runner = QARunner(generator: generator, pipeline: pipeline, maxAnswerTokens: 48)
        var scores: [QAStrategy: [QAScore]] = [:]
        var progress = ProgressBar("closed-book vs RAG", total: pairs.count, unit: "questions")
        for (n, pair) in pairs.enumerated() {
            for strategy in [QAStrategy.closedBook, .rag] {
                scores[strategy, default: []].append(QAScore(try runner.answer(pair.question, strategy: strategy), gold: pair.answer))
            }
            progress.update(n + 1)
        }
        progress.finish(pairs.count)
        let closed = try QAScore.summary(scores[.closedBook]!, seed: 42), rag = try QAScore.summary(scores[.rag]!, seed: 42)
        let difference = try QAScore.differences(scores[.rag]!, scores[.closedBook]!, seed: 42)
        if json {
            print(JSONText.object(["store": storePath, "indexed": counts.done, "answers": shown, "questions": pairs.count,
                                   "closed-book": closed, "rag": rag, "rag - closed-book": difference,
                                   "seconds": Date().timeIntervalSince(started)]))
            return
        }
        func mean(_ s: [String: Any], _ key: String) -> Double { (s[key] as! [String: Double])["mean"]! }
        print("Closed-book vs RAG on \(pairs.count) questions of \(qaFile.path) (SmolLM2-135M, greedy):")
        print("  strategy      EM     F1  contains  refused  p50 latency")
        for (name, s) in [("closed-book", closed), ("rag", rag)] {
            print(String(format: "  %@ %5.2f  %5.2f  %8.2f  %6.0f%%  %8.2f s", name.padding(toLength: 11, withPad: " ", startingAt: 0),
                         mean(s, "exact_match"), mean(s, "f1"),
                         mean(s, "answer_contains"), 100 * (s["refusal_rate"] as! Double), s["latency_p50"] as! Double))
        }
        let f1 = difference["f1"]!, contains = difference["answer_contains"]!
        print(String(format: "  RAG − closed-book: F1 %+.2f (95%% CI %+.2f…%+.2f), contains %+.2f (%+.2f…%+.2f)",
                     f1["mean"]!, f1["lower"]!, f1["upper"]!, contains["mean"]!, contains["lower"]!, contains["upper"]!))
        print(String(format: "\nDone in %.0f s. Next: `ragtune ask --store %@ \"your question\"`, `ragtune eval qa --help`.",
                     Date().timeIntervalSince(started), storePath))
    }
}
