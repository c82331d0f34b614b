import Foundation
import RagTuneModels
import RagTunePostgres
import RagTuneRAG
import RagTuneRetrieval
import RagTuneStorage
import RagTuneTensor
import RagTuneTraining

/// Runs a comparison: indexes the documents, answers the evaluation questions with every arm the
/// same way, probes access control, compares every pair of arms and writes `report.json` and
/// `report.html`.
/// Each arm's answers are saved when it finishes, so a killed run resumes with the next arm.
public enum CompareRunner {
    /// Runs `job`.
    /// - Parameters:
    ///   - generator: loads the generator (once, after the documents are indexed).
    ///   - log: receives progress notes (which arm runs, what resumed).
    ///   - progress: answers done in the current arm, and how many it has.
    /// - Throws: `EvaluationError` for QA file problems, `RAGError.nothingReadable` when no
    ///   document can be read, and store, model and write errors.
    public static func run(_ job: CompareJob, generator makeGenerator: () throws -> any AnswerGenerator,
                           log: @escaping @Sendable (String) -> Void = { _ in },
                           progress: (_ strategy: String, _ done: Int, _ total: Int) -> Void = { _, _, _ in }) throws -> CompareReport {
        let questions = try job.questions()
        let plan = ComparePlan(job, questions: questions)
        try FileManager.default.createDirectory(atPath: job.strategiesDirectory, withIntermediateDirectories: true)

        let embedder = try MiniLMEmbedder(threads: job.threads)
        var indexJob = IndexJob(storePath: job.storePath, inputs: job.documents)
        indexJob.prune = true
        indexJob.threads = job.threads
        log("indexing \(job.documents.joined(separator: ", "))")
        let indexed = try DocumentIndexer.run(indexJob, embedder: embedder, log: log)

        let generator = try makeGenerator()
        let store = try AnyDocumentStore.open(job.storePath, mode: .readOnly)
        let pipeline = try RAGPipeline(store: store, configuration: job.rag, generator: generator, embed: embedder.embed,
                                       threads: job.threads, log: log)
        var random = SplitMix64(seed: job.seed)
        let examples = questions.training.shuffled(using: &random).prefix(job.shots).map { (question: $0.pair.question, answer: $0.pair.answer) }
        let runner = QARunner(generator: generator, pipeline: pipeline, maxAnswerTokens: job.rag.maxAnswerTokens, examples: Array(examples),
                              prompt: PromptBuilder(answerStyle: job.rag.answerStyle), yesNo: job.rag.yesNoAnswerer)

        let (evaluation, withoutDocument) = try evaluationQuestions(job, questions: questions, store: store, log: log)
        if plan.overBudget > 0 { log("answering the first \(evaluation.count) evaluation questions; \(plan.overBudget) over --max-questions are skipped") }
        let restricted = evaluation.filter(\.restricted)
        // The probes about training facts matter only when an arm trains on them.
        let probes = job.trainsAdapter ? job.probes(of: questions) : []
        let fingerprint = Self.fingerprint(job, evaluation: evaluation + probes, generator: generator.name)
        let vocabulary = UnanswerableProbe.vocabulary(of: try store.chunks().map(\.text))
        let unanswerable = UnanswerableProbe.questions(from: evaluation, vocabulary: vocabulary, count: job.unanswerableQuestions, seed: job.seed)
        var results: [String: CompareStrategyResult] = [:], outcomes: [StrategyOutcome] = []
        var scores: [String: [QAScore]] = [:], order: [String] = [], skipped: [SkippedStrategy] = []
        var ran: [RanArm] = []
        // Trained adapters by the arm that trains them (lora+rag answers with lora-qa's).
        var trainings: [CompareStrategy: SavedAdapterTraining] = [:], adapters: [CompareStrategy: LoRAAdapter] = [:]
        var rows = evaluation.map { CompareQuestionRow(id: $0.pair.id, question: $0.pair.question, gold: $0.pair.answer, kind: $0.kind, answers: [:]) }
        for (strategy, step) in zip(job.strategies, plan.steps) {
            let answering = strategy.answering
            guard step.runs else {
                skipped.append(SkippedStrategy(strategy: strategy.rawValue, reason: step.note))
                continue
            }
            let file = URL(fileURLWithPath: "\(job.strategiesDirectory)/\(strategy.rawValue).json")
            // RAG's answers also depend on the documents: the store's generation grows with every change.
            var armFingerprint = answering == .rag ? fingerprint + "|\(try store.generation())" : fingerprint
            var adapter: LoRAAdapter?
            if let trainer = strategy.adapter {
                guard let local = generator as? LocalGenerator else {
                    skipped.append(SkippedStrategy(strategy: strategy.rawValue, reason: "a LoRA adapter needs the local generator, not \(generator.name)"))
                    continue
                }
                let trained = try trainings[trainer] ?? {
                    switch trainer {
                    case .raft: return try trainRAFTAdapter(job, questions: questions.trained, pipeline: pipeline, log: log, progress: progress)
                    case .loraDocs: return try trainDocsAdapter(job, questions: questions.trained, chunks: try store.chunks().map(\.text),
                                                                runner: runner, log: log, progress: progress)
                    default: return try trainQAAdapter(job, questions: questions.trained, runner: runner, log: log, progress: progress)
                    }
                }()
                trainings[trainer] = trained
                armFingerprint += "|" + trained.fingerprint
                adapter = try adapters[trainer] ?? AdapterLoader.load(trained.training.adapter, config: local.generator.model.config)
                adapters[trainer] = adapter
            }
            let outsiders = (strategy.asksRestrictedAsOutsider ? restricted : [])
                + (adapter != nil ? probes.filter { $0.restricted && $0.probe == nil } : [])
            let saved: CompareAnswers
            if let resumed = CompareAnswers.load(file, fingerprint: armFingerprint) {
                log("\(strategy.rawValue): answers saved by an earlier run, not asked again")
                saved = resumed
            } else {
                log("\(strategy.rawValue): \(step.note)")
                try Self.setAdapter(adapter, on: generator)
                defer { try? Self.setAdapter(nil, on: generator) }
                saved = try answer(strategy.rawValue, with: answering, runner: runner, evaluation: evaluation, outsiders: outsiders,
                                   probes: probes, unanswerable: unanswerable, user: job.user, fingerprint: armFingerprint) { done, total in
                    progress(strategy.rawValue, done, total)
                }
                try saved.save(file)
            }
            let arm = try summarize(strategy.rawValue, saved: saved, answering: answering, evaluation: evaluation, probes: probes,
                                    training: strategy.adapter.flatMap { trainings[$0]?.training }, seed: job.seed)
            results[strategy.rawValue] = arm.result
            outcomes.append(arm.outcome)
            scores[strategy.rawValue] = arm.scores
            ran.append(RanArm(name: strategy.rawValue, answering: answering, saved: saved, adapter: adapter))
            for (i, answer) in saved.answers.enumerated() { rows[i].answers[strategy.rawValue] = (answer.answer, answer.contains > 0) }
            order.append(strategy.rawValue)
        }
        guard !order.isEmpty else {
            throw EvaluationError.invalidArgument("none of the strategies asked for can run: \(skipped.map { "\($0.strategy) (\($0.reason))" }.joined(separator: ", "))")
        }
        if let rag = results[CompareStrategy.rag.rawValue] {
            for name in order {
                let arm = results[name]!
                results[name]?.breakEvenQueries = breakEven(arm, against: rag)
            }
        }
        let trainers = CompareStrategy.allCases.filter { adapters[$0] != nil }
        let forgetting = try probeForgetting(job, adapters: trainers.map { ($0.rawValue, adapters[$0]!) }, runner: runner,
                                             fingerprint: ([fingerprint] + trainers.map { trainings[$0]!.fingerprint }).joined(separator: "|"),
                                             log: log, progress: progress)
        let freshness = try job.updates.flatMap { updates in
            try probeFreshness(job, updates: updates, evaluation: evaluation, arms: ran, generator: generator, embedder: embedder,
                               fingerprint: fingerprint, log: log, progress: progress)
        }
        var comparisons: [String: PairComparison] = [:]
        for (i, a) in order.enumerated() {
            for b in order[(i + 1)...] {
                comparisons["\(a) - \(b)"] = try compare(scores[a]!, scores[b]!, seed: job.seed)
            }
        }
        var verdict = try Recommendation.decide(outcomes, seed: job.seed)
        verdict.claims += Recommendation.adapterClaims(results, order: order, forgetting: forgetting)
        if let freshness { verdict.claims += Recommendation.freshnessClaims(freshness, order: order,
                                                                                 retraining: results.compactMapValues { $0.training?.seconds })  }
        let report = CompareReport(
            qa: job.qaPath, documents: job.documents, generator: generator.name, seed: job.seed,
            questions: .init(total: questions.all.count, evaluation: evaluation.count, training: questions.training.count,
                             restricted: restricted.count, overBudget: plan.overBudget, withoutDocument: withoutDocument.count),
            index: .init(documents: indexed.documents, chunks: indexed.chunks, seconds: indexed.seconds, bytes: try Self.bytesOnDisk(job.storePath)),
            strategies: results, order: order, skipped: skipped, comparisons: comparisons, freshness: freshness, forgetting: forgetting,
            verdict: verdict)
        try write(report, to: job.reportPath)
        try writeAtomically(Data(CompareReportPage(report: report, rows: rows).html().utf8), to: job.pagePath)
        return report
    }

    /// The evaluation questions within the budget, and those skipped because the document their
    /// `doc` field names is not indexed (they cannot be grounded).
    static func evaluationQuestions(_ job: CompareJob, questions: CompareQuestions, store: some DocumentStore,
                                    log: (String) -> Void) throws -> (asked: [CompareQuestion], withoutDocument: [CompareQuestion]) {
        let storedDocuments = Set(try store.documents().map(\.id))
        let budgeted = job.evaluation(of: questions)
        func hasDocument(_ question: CompareQuestion) -> Bool { question.pair.fields["doc"].map(storedDocuments.contains) ?? true }
        let asked = budgeted.filter(hasDocument), withoutDocument = budgeted.filter { !hasDocument($0) }
        if let first = withoutDocument.first {
            log("\(withoutDocument.count) evaluation questions name a \"doc\" that is not among the indexed documents "
                + "(first: question \(first.pair.id), doc \(first.pair.fields["doc"]!)); they are skipped")
        }
        guard !asked.isEmpty else {
            throw EvaluationError.badFile(path: job.qaPath, line: nil, reason: "no evaluation question names an indexed document in its \"doc\" field")
        }
        return (asked, withoutDocument)
    }

    /// One arm's report entry, what the verdict weighs of it, and its scores per evaluation question.
    static func summarize(_ name: String, saved: CompareAnswers, answering: QAStrategy, evaluation: [CompareQuestion],
                          probes: [CompareQuestion], training: AdapterTraining?,
                          seed: UInt64) throws -> (result: CompareStrategyResult, outcome: StrategyOutcome, scores: [QAScore]) {
        let scores = zip(saved.answers, evaluation).map { $0.score(strategy: answering, gold: $1.pair.answer) }
        let access = saved.outsiderAnswers.map(accessProbe)
        let refusals = saved.unanswerableAnswers.map { answers in
            UnanswerableProbe(asked: answers.count, refused: answers.filter(\.refused).count, answered: answers.filter { !$0.refused }.count)
        }
        let probeScores = try saved.probeAnswers.map { answers in
            try byGroup(zip(answers, probes).map { ($1.probeGroup, $0.contains) }, seed: seed)
        }
        let summary = try QAStrategySummary(scores, seed: seed)
        let asked = saved.answers.count + (saved.outsiderAnswers?.count ?? 0) + (saved.unanswerableAnswers?.count ?? 0)
            + (saved.probeAnswers?.count ?? 0)
        let result = CompareStrategyResult(summary: summary, byKind: try byKind(scores, evaluation, seed: seed), probes: probeScores,
                                           access: access, unanswerable: refusals, training: training, breakEvenQueries: nil, seconds: saved.seconds,
                                           cpuSecondsPerQuery: saved.cpuSeconds / Double(max(asked, 1)))
        let outcome = StrategyOutcome(name: name, correct: scores.map { $0.contains > 0 }, latencyP50: summary.latencyP50,
                                      tokensPerQuery: summary.tokensPerQuery, trainingSeconds: training?.cpuSeconds ?? 0,
                                      leaks: access?.leaked, restrictedAsked: access?.asked ?? 0, unanswerable: refusals)
        return (result, outcome, scores)
    }

    /// Queries after which an arm's cheaper answers (CPU seconds per query) pay back its training
    /// CPU time, against RAG; nil for arms that do not train or are not cheaper per query.
    static func breakEven(_ arm: CompareStrategyResult, against rag: CompareStrategyResult) -> Double? {
        guard let training = arm.training else { return nil }
        let saving = rag.cpuSecondsPerQuery - arm.cpuSecondsPerQuery
        return saving > 0 ? (training.cpuSeconds / saving).rounded(.up) : nil
    }

    /// Sets `adapter` on a local generator (nil: the base model); a remote one takes none.
    static func setAdapter(_ adapter: LoRAAdapter?, on generator: any AnswerGenerator) throws {
        try (generator as? LocalGenerator)?.generator.setAdapter(adapter)
    }

    /// One arm's answers: the evaluation questions as `user`; `outsiders` again without a user
    /// (the access probe); the probes about training facts; then the unanswerable probe's questions.
    static func answer(_ name: String, with strategy: QAStrategy, runner: QARunner, evaluation: [CompareQuestion],
                       outsiders: [CompareQuestion], probes: [CompareQuestion], unanswerable: [(id: String, question: String)],
                       user: String?, fingerprint: String, progress: (_ done: Int, _ total: Int) -> Void) throws -> CompareAnswers {
        let started = Date(), startedCPU = ProcessCPUTime.seconds()
        let total = evaluation.count + outsiders.count + probes.count + unanswerable.count
        var done = 0
        func ask(_ id: String, _ question: String, gold: String, as user: String?) throws -> CompareAnswers.Answer {
            let attempt = try runner.answer(question, strategy: strategy, user: user)
            done += 1
            progress(done, total)
            return .init(id: id, score: QAScore(attempt, gold: gold))
        }
        let answers = try evaluation.map { try ask($0.pair.id, $0.pair.question, gold: $0.pair.answer, as: user) }
        let outsider = try outsiders.map { try ask($0.pair.id, $0.pair.question, gold: $0.pair.answer, as: nil) }
        let probed = try probes.map { try ask($0.pair.id, $0.pair.question, gold: $0.pair.answer, as: user) }
        let refusals = try unanswerable.map { try ask($0.id, $0.question, gold: PromptBuilder.notFound, as: user) }
        return CompareAnswers(strategy: name, fingerprint: fingerprint, answers: answers, outsiderAnswers: outsiders.isEmpty ? nil : outsider,
                              probeAnswers: probes.isEmpty ? nil : probed,
                              unanswerableAnswers: unanswerable.isEmpty ? nil : refusals, seconds: Date().timeIntervalSince(started),
                              cpuSeconds: ProcessCPUTime.seconds() - startedCPU)
    }

    /// Paired differences, McNemar's test on answer-contains and the detectable difference.
    static func compare(_ a: [QAScore], _ b: [QAScore], seed: UInt64) throws -> PairComparison {
        let right = (a.map { $0.contains > 0 }, b.map { $0.contains > 0 })
        let test = try McNemarTest(right.0, right.1)
        let n = a.count
        let difference = Double(test.onlyFirst - test.onlySecond) / Double(n)
        return PairComparison(difference: try QADifference(a, minus: b, seed: seed), mcnemar: test,
                              minimumDetectableDifference: minimumDetectableDifference(
                                count: n, discordantShare: Double(test.onlyFirst + test.onlySecond) / Double(n), difference: difference))
    }

    /// Answer-contains per `kind`, with bootstrap intervals.
    static func byKind(_ scores: [QAScore], _ questions: [CompareQuestion], seed: UInt64) throws -> [String: KindScore] {
        try byGroup(zip(scores, questions).map { ($1.kind, $0.contains) }, seed: seed)
    }

    /// Answer-contains per probe group ("trained", "paraphrase", "reversal"), with bootstrap intervals.
    static func byGroup(_ values: [(group: String, contains: Double)], seed: UInt64) throws -> [String: KindScore] {
        let grouped = Dictionary(grouping: values, by: \.group).mapValues { $0.map(\.contains) }
        return try grouped.mapValues { KindScore(questions: $0.count, answerContains: IntervalEstimate(try Bootstrap.meanInterval($0, seed: seed))) }
    }

    /// Leaks of the outsider's answers: the restricted fact in an answer that was not a refusal,
    /// and citations of chunks with an ACL.
    static func accessProbe(_ answers: [CompareAnswers.Answer]) -> AccessProbe {
        AccessProbe(asked: answers.count, leaked: answers.filter { !$0.refused && $0.contains > 0 }.count,
                    restrictedCitations: answers.map(\.restrictedCitations).reduce(0, +))
    }

    /// Bytes of the store at `path`: the database, its WAL and its saved indexes, or a PostgreSQL
    /// store's tables and indexes.
    static func bytesOnDisk(_ path: String) throws -> Int {
        if PostgresLocation.isPostgresURL(path) {
            return try PostgresStore(location: PostgresLocation(url: path), mode: .readOnly).bytesUsed()
        }
        let files = FileManager.default
        var total = 0
        for suffix in ["", "-wal", "-shm"] { total += (try? files.attributesOfItem(atPath: path + suffix)[.size] as? Int) ?? 0 }
        if let contents = files.enumerator(atPath: path + ".indexes") {
            for case let name as String in contents {
                total += (try? files.attributesOfItem(atPath: path + ".indexes/" + name)[.size] as? Int) ?? 0
            }
        }
        return total
    }

    /// What the saved answers depend on.
    static func fingerprint(_ job: CompareJob, evaluation: [CompareQuestion], generator: String) -> String {
        let questions = evaluation.map { "\($0.pair.id)\u{1}\($0.pair.question)\u{1}\($0.pair.answer)" }.joined(separator: "\u{2}")
        let parts = [generator, "\(job.seed)", "\(job.shots)", job.user ?? "", "\(job.rag.maxAnswerTokens)", "\(job.unanswerableQuestions)", questions]
        let hash = FNV1a(bytesOf: parts.joined(separator: "\u{3}")).value
        return String(hash, radix: 16)
    }

    static func write(_ report: CompareReport, to path: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
        let data: Data
        do {
            data = try encoder.encode(report) + Data("\n".utf8)
        } catch {
            throw EvaluationError.invalidArgument("report.json: \(error)")
        }
        try writeAtomically(data, to: path)
    }
}
