import ArgumentParser
import Foundation
import RagTuneEvaluation
import RagTunePostgres
import RagTuneRAG

/// `ragtune compare`: closed-book, few-shot, RAG, LoRA on the documents' text, a LoRA adapter
/// trained on the training questions (alone and with retrieval) and a reader adapter trained
/// RAFT-style, on the user's own documents and questions, with paired tests, probes and a verdict.
struct CompareCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compare",
        abstract: "Run closed-book, few-shot, RAG and LoRA on your documents and questions; say which to use, with the evidence.",
        discussion: """
            QA lines: {"id", "question", "answer"} and optionally "kind" (results are broken down by it), \
            "split" (train/eval), "fact" (questions about one fact share a split; --fact-field names another \
            field), "restricted" (true: the fact is only in documents an outsider may not see; RAG is asked \
            again without --user and must not answer) and "answer_v2" (with --updates, the questions whose \
            answer_v2 differs are scored against it, before and after one re-index of a copy of the store). \
            Without "split", whole facts go to \
            the training split with probability --train-share (few-shot examples and the lora-qa adapter's \
            training data come from it). "probe": paraphrase or reversal (or --paraphrase-kind/--reversal-kind) \
            marks training questions that are never trained on: every arm is asked them, and the trained \
            wordings, to show what an adapter learned. lora-qa trains on each training question, a template \
            wording and --rewrites rewrites by the generator, picking the epochs by held-out loss; lora+rag \
            answers with that adapter and retrieval. raft trains the extract reader on each training question \
            shown with the evidence sentences retrieval ranks for it (in 20% of the examples only the \
            distractors) and answers through RAG with it. lora-docs trains on the text of every indexed chunk \
            (continued pre-training, with the --replay examples) and answers closed-book. Writes \
            OUT/store.sqlite (or the schema of --store postgres://…), OUT/adapters/ARM (data, checkpoints, the adapter), OUT/strategies/NAME.json (each \
            arm's answers, saved as it finishes: a re-run resumes), OUT/report.json and OUT/report.html.
            """)

    @Option(name: .customLong("docs"), help: "Document folder or file to index (repeatable).")
    var documents: [String] = []

    @Option(help: "QA file (JSONL).")
    var qa: String

    @Option(help: "A QA file of training questions only, added to the training split.")
    var train: String?

    @Option(name: .customLong("paraphrase-kind"), help: "A kind whose questions are paraphrase probes, never trained on (repeatable).")
    var paraphraseKinds: [String] = []

    @Option(name: .customLong("reversal-kind"), help: "A kind whose questions are reversal probes, never trained on (repeatable).")
    var reversalKinds: [String] = []

    @Option(name: .customLong("max-epochs"), help: "Most epochs of adapter training (held-out loss stops it sooner).")
    var maxEpochs = 20

    @Option(name: .customLong("lora-r"), help: "LoRA rank of the adapter (all linear layers; alpha = 2r).")
    var loraR = 16

    @Option(name: .customLong("learning-rate"), help: "Learning rate of the lora-docs and lora-qa adapters (constant after a short warmup).")
    var learningRate = 2e-3

    @Option(name: .customLong("raft-learning-rate"), help: "Learning rate of the raft reader adapter.")
    var raftLearningRate = 2e-4

    @Option(help: "Rewrites of each training question by the generator, as extra training wordings (0: none).")
    var rewrites = 2

    @Option(help: "General questions answered by the base model, mixed into adapter training against forgetting (0–30).")
    var replay = 30

    @Option(help: "A folder of updated documents: the questions whose answer_v2 differs are asked again after one re-index.")
    var updates: String?

    @Option(help: "Comma-separated arms: closed-book, few-shot, rag, lora-docs, lora-qa, lora+rag, raft, or all.")
    var strategies: String = "all"

    @Option(help: "Ask as this user (ACL).")
    var user: String?

    @Option(name: .customLong("out"), help: "Output folder.")
    var output: String = "compare-out"

    @Option(help: ArgumentHelp("Index into this PostgreSQL store instead of OUT/store.sqlite: a schema that is the comparison's own "
                               + "(documents not among --docs are removed from it; the freshness probe copies it to <schema>_updated).",
                               valueName: "postgres://…"))
    var store: String?

    @Option(name: .customLong("fact-field"), help: "The QA field naming a question's fact.")
    var factField = "fact"

    @Option(name: .customLong("train-share"), help: "Share of the facts in the training split when the QA file has no \"split\".")
    var trainShare = 0.5

    @Option(help: "Few-shot examples (from the training split).")
    var shots = 3

    @Option(help: "Seed of the split, the few-shot draw and the bootstrap.")
    var seed: UInt64 = 42

    @Option(name: .customLong("max-questions"), help: "Answer at most the first N evaluation questions (the rest are counted as skipped).")
    var maxQuestions: Int?

    @Option(help: "Questions about invented things the documents do not contain, asked of every arm (0: none).")
    var unanswerable = 30

    @Option(name: .customLong("max-tokens"), help: "Longest answer, in tokens.")
    var maxTokens = 48

    @Flag(help: "Print what would run and an estimate of its CPU time, then stop.")
    var plan = false

    @OptionGroup var rag: RAGOptions

    @OptionGroup var generatorOptions: GeneratorOptions

    @OptionGroup var threadOptions: ThreadOptions

    @OptionGroup var jsonOutput: JSONOutputOptions

    func validate() throws {
        guard !documents.isEmpty else { throw ValidationError("give the documents with --docs DIR") }
        let arms = try arms()
        if arms.contains(where: { $0.adapter != nil }) && generatorOptions.decoderOptions.adapter != nil {
            throw ValidationError("--adapter cannot be combined with the LoRA arms, which train their own adapter")
        }
        guard maxEpochs >= 1, loraR >= 1, learningRate > 0, raftLearningRate > 0, rewrites >= 0 else {
            throw ValidationError("--max-epochs and --lora-r must be ≥ 1, --learning-rate and --raft-learning-rate > 0 and --rewrites ≥ 0")
        }
        guard (0...ForgettingProbe.replayQuestions.count).contains(replay) else {
            throw ValidationError("--replay must be in 0...\(ForgettingProbe.replayQuestions.count)")
        }
        guard trainShare >= 0, trainShare < 1 else { throw ValidationError("--train-share must be in [0, 1)") }
        guard unanswerable >= 0 else { throw ValidationError("--unanswerable must be ≥ 0") }
        guard maxQuestions.map({ $0 >= 1 }) ?? true else { throw ValidationError("--max-questions must be at least 1") }
        guard shots >= 0, maxTokens >= 1 else { throw ValidationError("--shots must be ≥ 0 and --max-tokens ≥ 1") }
    }

    /// The arms `--strategies` names.
    func arms() throws -> [CompareStrategy] {
        if strategies == "all" { return CompareStrategy.allCases }
        var arms: [CompareStrategy] = []
        for name in strategies.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) {
            guard let arm = CompareStrategy(rawValue: name) else {
                throw ValidationError("unknown strategy \"\(name)\" in --strategies (known: \(CompareStrategy.allCases.map(\.rawValue).joined(separator: ", ")))")
            }
            if !arms.contains(arm) { arms.append(arm) }
        }
        guard !arms.isEmpty else { throw ValidationError("--strategies names no strategy") }
        return arms
    }

    var job: CompareJob {
        get throws {
            var job = CompareJob(documents: documents, qaPath: qa, outputDirectory: output)
            if let store {
                guard PostgresLocation.isPostgresURL(store) else {
                    throw ValidationError("--store takes a postgres:// URL (without it the store is OUT/store.sqlite)")
                }
                job.store = store
            }
            job.strategies = try arms()
            job.user = user
            job.updates = updates
            job.factField = factField
            job.trainShare = trainShare
            job.shots = shots
            job.maxQuestions = maxQuestions
            job.unanswerableQuestions = unanswerable
            job.seed = seed
            job.threads = threadOptions.threads
            job.rag = rag.configuration(maxAnswerTokens: maxTokens)
            job.trainingPath = train
            job.paraphraseKinds = Set(paraphraseKinds)
            job.reversalKinds = Set(reversalKinds)
            job.adapterEpochs = maxEpochs
            job.loraR = loraR
            job.learningRate = learningRate
            job.raftLearningRate = raftLearningRate
            job.rewrites = rewrites
            job.replay = replay
            if let modelFile = generatorOptions.decoderOptions.modelFile { job.baseModel = modelFile }
            return job
        }
    }

    func run() throws {
        let job = try job
        if plan {
            let plan = ComparePlan(job, questions: try job.questions())
            if jsonOutput.json { return try printJSON(plan) }
            print("\(plan.evaluationQuestions) evaluation questions (\(plan.restrictedQuestions) restricted), \(plan.trainingQuestions) in the training split"
                  + (plan.overBudget > 0 ? ", \(plan.overBudget) over --max-questions skipped" : ""))
            for step in plan.steps {
                let time = step.runs ? String(format: "~%5.0f s", step.estimatedSeconds) : "      -"
                print("  " + step.strategy.padding(toLength: 12, withPad: " ", startingAt: 0) + time + "  " + step.note)
            }
            print(String(format: "estimated: %.0f s of answering, plus indexing", plan.estimatedSeconds))
            return
        }
        var bar: ProgressBar?, stage = ""
        let report = try CompareRunner.run(job, generator: { try generatorOptions.make(threads: threadOptions.threads) },
                                           log: { logError($0) }, progress: { strategy, done, total in
            if bar == nil || stage != strategy || bar?.total != total {
                stage = strategy
                let unit = strategy.hasSuffix("training") ? "steps" : strategy.hasSuffix("rewrites") ? "questions" : "answers"
                bar = ProgressBar(strategy, total: total, unit: unit)
            }
            bar?.update(done)
        })
        if jsonOutput.json { return try printJSON(report) }
        print(report.verdict.text)
        print("")
        for name in report.order {
            guard let s = report.strategies[name]?.summary else { continue }
            print("\(name): contains \(s.answerContains.formatted())  F1 \(s.f1.formatted())  "
                  + String(format: "refusals %.0f%%  p50 %.2f s  %.2f CPU s/answer", 100 * s.refusalRate, s.latencyP50,
                           report.strategies[name]!.cpuSecondsPerQuery))
            let kinds = report.strategies[name]!.byKind.sorted { $0.key < $1.key }
            if kinds.count > 1 { print("    " + kinds.map { String(format: "%@ %.2f", $0.key, $0.value.answerContains.mean) }.joined(separator: "  ")) }
            if let fresh = report.freshness?.arms[name] {
                print(String(format: "    %d changed facts: %.2f before the update", report.freshness!.changedQuestions, fresh.before.mean)
                      + (fresh.after.map { String(format: ", %.2f after one re-index", $0.mean) } ?? ""))
            }
            if let training = report.strategies[name]?.training {
                print(String(format: "    adapter: %d wordings of %d questions, %.0f of %.0f epochs (held-out loss %@), %.0f s training (%.0f CPU s), %.1f MB",
                             training.examples, training.questions, training.epochs, training.epochsTrained,
                             training.heldOutLoss.map { String(format: "%.3f", $0) } ?? "-", training.seconds, training.cpuSeconds,
                             Double(training.adapterBytes) / 1e6)
                      + (report.strategies[name]?.breakEvenQueries.map { String(format: "; pays back its training after %.0f queries", $0) } ?? ""))
            }
            if let probes = report.strategies[name]?.probes {
                print("    training facts: " + ["trained", "paraphrase", "reversal"].compactMap { group in
                    probes[group].map { String(format: "%@ %.2f (%d)", group, $0.answerContains.mean, $0.questions) }
                }.joined(separator: "  "))
            }
            if let probe = report.strategies[name]?.unanswerable {
                print("    about things the documents do not contain: refused \(probe.refused) of \(probe.asked), answered \(probe.answered) anyway")
            }
            if let access = report.strategies[name]?.access {
                print("    as an outsider: \(access.leaked) of \(access.asked) restricted facts answered, \(access.restrictedCitations) restricted citations")
            }
        }
        if let forgetting = report.forgetting {
            print("general knowledge (\(forgetting.questions) questions, closed-book): base \(forgetting.base.formatted())"
                  + forgetting.adapters.sorted { $0.key < $1.key }.map { ", with the \($0.key) adapter \($0.value.formatted())" }.joined())
        }
        for skipped in report.skipped { print("\(skipped.strategy): \(skipped.reason)") }
        print("report: \(job.pagePath) (data: \(job.reportPath))")
    }
}
