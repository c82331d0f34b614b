import ArgumentParser
import Foundation
import RagTuneEvaluation
import RagTuneModelFiles
import RagTuneModels
import RagTuneRAG
import RagTuneRetrieval
import RagTuneStorage

/// `ragtune demo`: the product in a few minutes on the bundled samples: index the mini-Wikipedia
/// passages and the invented notes (`samples/invented-notes`), answer questions about the invented
/// facts with citations (and refuse one the documents do not cover), then compare closed-book and
/// RAG answers on the mini-Wikipedia QA pairs.
struct DemoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Index the bundled samples, answer questions about invented facts with citations, compare closed-book and RAG.")

    @Option(help: "Folder with passages.jsonl and qa.jsonl.")
    var sample: String = "samples/mini-wiki"

    @Option(help: "Folder of markdown notes the showcase questions are about.")
    var notes: String = "samples/invented-notes"

    @Option(help: "The demo's store (default: $RAGTUNE_HOME/demo/mini-wiki.sqlite; re-runs reuse it).")
    var store: String?

    @Option(help: "QA pairs to compare closed-book and RAG on.")
    var questions: Int = 16

    @OptionGroup var threadOptions: ThreadOptions

    @OptionGroup var jsonOutput: JSONOutputOptions

    /// Questions answered with their sources: invented facts no model knows, then one the samples do not cover.
    static let showcase = ["Who designed the Mordro-18 reactor?", "In what year was the Sarqui-41 compass first built?",
                           "Where was Lolo Ravulul born?", "What did Gilith Ulzorqui design?", "Who invented the telephone?"]

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
        let embedder = try MiniLMEmbedder(threads: threadOptions.threads)
        var job = IndexJob(storePath: storePath, inputs: [passages.path, notes])
        job.exclude = ["**/README.md"]
        job.threads = threadOptions.threads
        var bar = ProgressBar("indexing \(passages.path) and \(notes)", total: 0)
        let indexed = try DocumentIndexer.run(job, embedder: embedder, log: { logError($0) }) { done, total in
            bar.total = total
            bar.update(done)
        }
        bar.finish(indexed.processed)
        if let failure = indexed.failed.first { throw ValidationError(failure.error) }
        if !jsonOutput.json {
            print(String(format: "Indexed %d documents (%d new) into %@ in %.1f s.\n", indexed.processed, indexed.added, storePath,
                         Date().timeIntervalSince(started)))
        }

        // 2. Answers with citations.
        let generator = LocalGenerator(try TextGenerator(threads: threadOptions.threads))
        var configuration = RAGConfiguration()
        configuration.maxAnswerTokens = 64
        let pipeline = try RAGPipeline(store: SQLiteStore(path: storePath, mode: .readOnly), configuration: configuration,
                                       generator: generator, embed: embedder.embed, threads: threadOptions.threads,
                                       log: { logError($0) })
        var shown: [DemoSummary.Answer] = []
        for question in Self.showcase {
            if !jsonOutput.json { print("Q: \(question)\nA: ", terminator: "") }
            let answer = try pipeline.answer(question) { if !jsonOutput.json { print($0, terminator: "") } }
            if !jsonOutput.json { Self.printSources(of: answer) }
            shown.append(DemoSummary.Answer(question: question, answer: answer.answer, refusal: answer.refusal?.rawValue,
                                            citations: answer.citations.map(\.chunk.documentID)))
        }

        // 3. Closed-book vs RAG on the sample's QA pairs.
        var evaluation = QAEvaluationJob(qaPath: qaFile.path)
        evaluation.limit = questions
        evaluation.strategies = [.rag, .closedBook]
        evaluation.storePath = storePath
        evaluation.rag = configuration
        evaluation.rag.maxAnswerTokens = 48
        evaluation.threads = threadOptions.threads
        var progress = ProgressBar("closed-book vs RAG", total: 0, unit: "answers")
        let report = try QAEvaluator.run(evaluation, generator: { generator }, embed: embedder.embed, progress: { done, total in
            progress.total = total
            progress.update(done)
        })
        progress.finish(report.questions * 2)
        guard let closed = report.strategies[QAStrategy.closedBook.rawValue], let rag = report.strategies[QAStrategy.rag.rawValue],
              let difference = report.differences["rag - closed-book"] else {
            throw ValidationError("the QA evaluation did not report both strategies")
        }
        if jsonOutput.json {
            return try printJSON(DemoSummary(store: storePath, indexed: indexed.processed, answers: shown, questions: report.questions,
                                             closedBook: closed, rag: rag, ragMinusClosedBook: difference,
                                             seconds: Date().timeIntervalSince(started)))
        }
        print("Closed-book vs RAG on \(report.questions) questions of \(qaFile.path) (SmolLM2-135M, greedy):")
        print("  strategy      EM     F1  contains  refused  p50 latency")
        for (name, s) in [("closed-book", closed), ("rag", rag)] {
            print(String(format: "  %@ %5.2f  %5.2f  %8.2f  %6.0f%%  %8.2f s", name.padding(toLength: 11, withPad: " ", startingAt: 0),
                         s.exactMatch.mean, s.f1.mean, s.answerContains.mean, 100 * s.refusalRate, s.latencyP50))
        }
        let f1 = difference.f1, contains = difference.answerContains
        print(String(format: "  RAG − closed-book: F1 %+.2f (95%% CI %+.2f…%+.2f), contains %+.2f (%+.2f…%+.2f)",
                     f1.mean, f1.lower, f1.upper, contains.mean, contains.lower, contains.upper))
        print(String(format: "\nDone in %.0f s. Next: `ragtune ask --store %@ \"your question\"`, `ragtune eval qa --help`.",
                     Date().timeIntervalSince(started), storePath))
    }

    /// Ends a streamed answer: the refusal, if any, and the cited passages.
    private static func printSources(of answer: RAGAnswer) {
        if let refusal = answer.refusal, answer.generated == nil || answer.replacedGenerated {
            print(answer.generated == nil ? answer.answer : "\n   → \(answer.answer) (\(refusal.rawValue.replacingOccurrences(of: "_", with: " ")))")
        } else {
            print("")
        }
        for source in answer.citations {
            print("   [\(source.number)] \(source.chunk.documentTitle) (\(source.chunk.documentID))"
                  + " (chars \(source.chunk.startOffset)–\(source.chunk.endOffset))")
        }
        print("")
    }
}

/// What `demo --json` prints.
struct DemoSummary: Encodable {
    /// A showcase question's answer and the documents it cites.
    struct Answer: Encodable {
        var question: String
        var answer: String
        @NullEncoded var refusal: String?
        var citations: [String]
    }
    var store: String
    var indexed: Int
    var answers: [Answer]
    var questions: Int
    var closedBook: QAStrategySummary
    var rag: QAStrategySummary
    var ragMinusClosedBook: QADifference
    var seconds: Double

    enum CodingKeys: String, CodingKey {
        case store, indexed, answers, questions, closedBook = "closed-book", rag, ragMinusClosedBook = "rag - closed-book", seconds
    }
}
