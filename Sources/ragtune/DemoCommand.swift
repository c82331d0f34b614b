import ArgumentParser
import Foundation
import RagTuneEvaluation
import RagTuneModelFiles
import RagTuneModels
import RagTuneRAG
import RagTuneRetrieval
import RagTuneStorage

/// `ragtune demo`: the product in a few minutes on the bundled samples. First `compare` on the
/// invented-facts sample (`samples/invented-kb`: closed-book, few-shot and RAG, a verdict and an
/// HTML report); then index the mini-Wikipedia passages and the invented notes
/// (`samples/invented-notes`), answer questions about the invented facts with citations (and refuse
/// one the documents do not cover), and compare closed-book and RAG on the mini-Wikipedia QA pairs.
struct DemoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Compare RAG with closed-book and few-shot answers on invented facts, then answer questions with citations.")

    @Option(help: "Folder with docs/ and qa.jsonl of invented facts to compare strategies on (and docs-v2/, an update, if present).")
    var kb: String = "samples/invented-kb"

    @Option(name: .customLong("compare-questions"), help: "Most evaluation questions of the comparison (default: all).")
    var compareQuestions: Int?

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

    /// The group the comparison asks as: `samples/invented-kb` restricts every fourth file to it.
    static let kbUser = "board"

    /// Questions answered with their sources: invented facts no model knows, then one the samples do not cover.
    static let showcase = ["Who designed the Mordro-18 reactor?", "In what year was the Sarqui-41 compass first built?",
                           "Where was Lolo Ravulul born?", "What did Gilith Ulzorqui design?", "Who invented the telephone?"]

    func validate() throws {
        guard questions >= 1 else { throw ValidationError("--questions must be at least 1") }
        guard compareQuestions.map({ $0 >= 1 }) ?? true else { throw ValidationError("--compare-questions must be at least 1") }
    }

    func run() throws {
        let started = Date()
        let storePath = store ?? ModelDirectory().root.deletingLastPathComponent()
            .appendingPathComponent("demo/mini-wiki.sqlite").path
        let passages = URL(fileURLWithPath: sample).appendingPathComponent("passages.jsonl")
        let qaFile = URL(fileURLWithPath: sample).appendingPathComponent("qa.jsonl")

        // 1. Compare strategies on invented facts.
        let generator = LocalGenerator(try TextGenerator(threads: threadOptions.threads))
        var comparison = CompareJob(documents: [kb + "/docs"], qaPath: kb + "/qa.jsonl",
                                    outputDirectory: URL(fileURLWithPath: storePath).deletingLastPathComponent().appendingPathComponent("compare").path)
        comparison.strategies = [.closedBook, .fewShot, .rag]
        comparison.user = Self.kbUser
        let updates = kb + "/docs-v2"
        if FileManager.default.fileExists(atPath: updates) { comparison.updates = updates }
        comparison.maxQuestions = compareQuestions
        comparison.threads = threadOptions.threads
        if !jsonOutput.json { print("Which works on facts no model knows? closed-book, few-shot and RAG on \(kb) (ragtune compare):") }
        var compareBar: ProgressBar?
        let compared = try CompareRunner.run(comparison, generator: { generator }, log: { logError($0) }) { strategy, done, total in
            if compareBar == nil || compareBar?.label != strategy { compareBar = ProgressBar(strategy, total: total, unit: "answers") }
            compareBar?.update(done)
        }
        if !jsonOutput.json {
            for name in compared.order {
                guard let s = compared.strategies[name]?.summary else { continue }
                print(String(format: "  %@ answer-contains %.2f [%.2f, %.2f]  p50 %.2f s", name.padding(toLength: 12, withPad: " ", startingAt: 0),
                             s.answerContains.mean, s.answerContains.lower, s.answerContains.upper, s.latencyP50))
            }
            print("Verdict: \(compared.verdict.text)")
            print("Report: \(comparison.pagePath)")
            var full = comparison
            full.strategies = CompareStrategy.allCases
            let plan = ComparePlan(full, questions: try full.questions())
            let adapterSeconds = plan.steps.filter { $0.runs && CompareStrategy(rawValue: $0.strategy)?.adapter != nil }.map(\.estimatedSeconds).reduce(0, +)
            print(String(format: "The fine-tuning arms (lora-docs: LoRA on the documents' text; lora-qa: on the training questions; lora+rag: that adapter with retrieval; raft: a reader trained on retrieved evidence) take up to %.0f more minutes here: ", adapterSeconds / 60)
                  + "ragtune compare --docs \(kb)/docs --qa \(kb)/qa.jsonl --user \(Self.kbUser)"
                  + (comparison.updates.map { " --updates \($0)" } ?? "") + " --out \(comparison.outputDirectory)\n")
        }

        // 2. Index.
        let indexing = Date()
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
                         Date().timeIntervalSince(indexing)))
        }

        // 3. Answers with citations.
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

        // 4. Closed-book vs RAG on the sample's QA pairs.
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
            let arms = compared.strategies.mapValues(\.summary.answerContains)
            return try printJSON(DemoSummary(compare: .init(verdict: compared.verdict, report: comparison.pagePath, answerContains: arms),
                                             store: storePath, indexed: indexed.processed, answers: shown, questions: report.questions,
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
    /// The comparison on invented facts: its verdict, its HTML report and each arm's answer-contains.
    struct Compare: Encodable {
        var verdict: Verdict
        var report: String
        var answerContains: [String: IntervalEstimate]
        enum CodingKeys: String, CodingKey { case verdict, report, answerContains = "answer_contains" }
    }
    var compare: Compare
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
        case compare, store, indexed, answers, questions, closedBook = "closed-book", rag, ragMinusClosedBook = "rag - closed-book", seconds
    }
}
