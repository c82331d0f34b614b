import Foundation
import RagTuneModels
import RagTunePostgres
import RagTuneRAG
import RagTuneStorage

extension CompareRunner {
    /// One arm that ran: its name, the strategy that answered and its saved answers.
    struct RanArm {
        var name: String
        var answering: QAStrategy
        var saved: CompareAnswers
        /// The adapter it answers with (nil: the base model).
        var adapter: LoRAAdapter?
    }

    /// Runs the freshness probe of `job.updates` (`FreshnessProbe`): scores every arm's answers to
    /// the changed questions against `answer_v2`, re-indexes a copy of the store with the updates
    /// (`OUT/updated/store.sqlite`, or the schema `<schema>_updated` of a PostgreSQL store) and asks
    /// the RAG arms again. Nil when no evaluation question
    /// changes.
    static func probeFreshness(_ job: CompareJob, updates: String, evaluation: [CompareQuestion], arms: [RanArm],
                               generator: any AnswerGenerator, embedder: MiniLMEmbedder, fingerprint: String,
                               log: @escaping @Sendable (String) -> Void,
                               progress: (_ strategy: String, _ done: Int, _ total: Int) -> Void) throws -> FreshnessProbe? {
        let changed = FreshnessProbe.changed(evaluation)
        guard !changed.isEmpty else {
            log("--updates: no evaluation question has an answer_v2 that differs from its answer; no freshness probe")
            return nil
        }
        let goldsAfter = changed.map { evaluation[$0].answerAfterUpdate! }
        let file = URL(fileURLWithPath: "\(job.strategiesDirectory)/freshness.json")
        let ragArms = arms.filter { $0.answering == .rag }
        let saved: FreshnessAnswers
        if let resumed = FreshnessAnswers.load(file, fingerprint: fingerprint + "|" + updates) {
            log("freshness: re-index and answers saved by an earlier run, not repeated")
            saved = resumed
        } else {
            let updatedStore = try copyStore(job)
            var indexJob = IndexJob(storePath: updatedStore, inputs: [updates])
            indexJob.takesOver = true
            indexJob.threads = job.threads
            log("freshness: applying \(updates) to a copy of the store")
            let indexed = try DocumentIndexer.run(indexJob, embedder: embedder, log: log)
            if let failure = indexed.failed.first { throw EvaluationError.badFile(path: failure.path, line: nil, reason: failure.error) }
            let store = try AnyDocumentStore.open(updatedStore, mode: .readOnly)
            let pipeline = try RAGPipeline(store: store, configuration: job.rag, generator: generator, embed: embedder.embed,
                                           threads: job.threads, log: log)
            let runner = QARunner(generator: generator, pipeline: pipeline, maxAnswerTokens: job.rag.maxAnswerTokens, examples: [],
                                  prompt: PromptBuilder(answerStyle: job.rag.answerStyle), yesNo: job.rag.yesNoAnswerer)
            var answers: [String: [CompareAnswers.Answer]] = [:]
            defer { try? setAdapter(nil, on: generator) }
            for arm in ragArms {
                try setAdapter(arm.adapter, on: generator)
                answers[arm.name] = try zip(changed, goldsAfter).enumerated().map { i, item in
                    let question = evaluation[item.0]
                    let attempt = try runner.answer(question.pair.question, strategy: .rag, user: job.user)
                    progress("\(arm.name) after the update", i + 1, changed.count)
                    return .init(id: question.pair.id, score: QAScore(attempt, gold: item.1))
                }
            }
            saved = FreshnessAnswers(fingerprint: fingerprint + "|" + updates,
                                     updatedDocuments: indexed.added + indexed.replaced + indexed.updated,
                                     reindexSeconds: indexed.seconds, answers: answers)
            try saved.save(file)
        }
        var probe = FreshnessProbe(changedQuestions: changed.count, updatedDocuments: saved.updatedDocuments,
                                   reindexSeconds: saved.reindexSeconds, arms: [:])
        for arm in arms {
            let before = changed.map { QAMetrics.contains(arm.saved.answers[$0].answer, evaluation[$0].answerAfterUpdate!) }
            let after = try saved.answers[arm.name].map { answers in
                IntervalEstimate(try Bootstrap.meanInterval(answers.map(\.contains), seed: job.seed))
            }
            probe.arms[arm.name] = .init(before: IntervalEstimate(try Bootstrap.meanInterval(before, seed: job.seed)), after: after)
        }
        return probe
    }

    /// Copies the store to where the update is applied: `OUT/store.sqlite` (with its WAL and saved
    /// indexes) to `OUT/updated/store.sqlite`, or a PostgreSQL store to the schema `<schema>_updated`
    /// of its database. - Returns: the copy's location.
    static func copyStore(_ job: CompareJob) throws -> String {
        if PostgresLocation.isPostgresURL(job.storePath) {
            let source = try PostgresLocation(url: job.storePath)
            let copy = try PostgresLocation.url(job.storePath, inSchema: "\(source.schema.prefix(55))_updated")
            try PostgresStore.copy(from: source, to: PostgresLocation(url: copy))
            return copy
        }
        let files = FileManager.default
        let directory = job.outputDirectory + "/updated"
        do {
            if files.fileExists(atPath: directory) { try files.removeItem(atPath: directory) }
            try files.createDirectory(atPath: directory, withIntermediateDirectories: true)
            for suffix in ["", "-wal", "-shm", ".indexes"] where files.fileExists(atPath: job.storePath + suffix) {
                try files.copyItem(atPath: job.storePath + suffix, toPath: directory + "/store.sqlite" + suffix)
            }
        } catch {
            throw EvaluationError.badFile(path: directory, line: nil, reason: "cannot copy the store for the update: \(error.localizedDescription)")
        }
        return directory + "/store.sqlite"
    }
}
