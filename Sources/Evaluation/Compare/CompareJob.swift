import Foundation
import RagTuneRAG

/// What `ragtune compare` runs.
public struct CompareJob: Sendable {
    /// Document folders or files, indexed into `storePath`.
    public var documents: [String]
    /// The store to index into: nil for `OUT/store.sqlite`, or a `postgres://` URL (a schema that is
    /// the comparison's own: documents not among `documents` are pruned from it).
    public var store: String?
    /// QA file (`CompareQuestions` documents its fields).
    public var qaPath: String
    /// The arms to run, in report order.
    public var strategies: [CompareStrategy] = CompareStrategy.allCases
    /// A folder of updated documents for the freshness probe (`FreshnessProbe`); nil: no probe.
    public var updates: String?
    /// Ask as this user (ACL); the access probe asks the restricted questions without it.
    public var user: String?
    /// Where the store, each strategy's answers and `report.json` go.
    public var outputDirectory: String
    /// The QA field that names a question's fact (questions about one fact share a split).
    public var factField = "fact"
    /// Share of the facts in the training split when the QA file has no `split`.
    public var trainShare = 0.5
    public var seed: UInt64 = 42
    /// Few-shot examples, drawn from the training split.
    public var shots = 3
    public var threads = 2
    /// Questions about invented things the documents do not contain, asked of every arm
    /// (`UnanswerableProbe`); 0: no probe.
    public var unanswerableQuestions = 30
    /// Most evaluation questions to answer (the first ones in file order); the rest are counted as
    /// skipped in the report. Nil: all.
    public var maxQuestions: Int?
    /// How the RAG arm answers (`maxAnswerTokens` is every arm's answer budget).
    public var rag = RAGConfiguration()
    /// A QA file of training questions only, added to the training split (`--train`).
    public var trainingPath: String?
    /// Kinds whose questions are paraphrase or reversal probes (also the QA field `probe`).
    public var paraphraseKinds: Set<String> = []
    public var reversalKinds: Set<String> = []
    /// The base model the adapters are trained on (a catalog name or GGUF path).
    public var baseModel = "smollm2"
    /// Most epochs of adapter training (early stopping on held-out loss usually ends it sooner).
    public var adapterEpochs = 20
    /// LoRA rank and learning rate of the adapters (the measurement on invented facts:
    /// r 16 on all linear layers at 2e-3 learned them; 2e-4 did not within 20 epochs).
    public var loraR = 16
    public var learningRate = 2e-3
    /// The raft reader's learning rate: reading is learned in a few epochs, and at 2e-3 the reader
    /// learned the training questions' answer types so well that it answered reversed questions
    /// worse than the base reader (invented-kb reversal probe 0.21 against 0.57 at 2e-4; RAG 0.43).
    public var raftLearningRate = 2e-4
    /// The generator's rewrites of each training question (paraphrase augmentation).
    public var rewrites = 2
    /// General questions answered by the base model mixed into adapter training (replay against
    /// forgetting; at most `ForgettingProbe.replayQuestions.count`).
    public var replay = 30

    public init(documents: [String], qaPath: String, outputDirectory: String) {
        self.documents = documents
        self.qaPath = qaPath
        self.outputDirectory = outputDirectory
    }

    /// The questions of `qaPath` (and `trainingPath`), split.
    public func questions() throws -> CompareQuestions {
        try CompareQuestions(path: qaPath, trainingPath: trainingPath, factField: factField, trainShare: trainShare, seed: seed,
                             paraphraseKinds: paraphraseKinds, reversalKinds: reversalKinds)
    }

    /// The probe questions about training facts within `maxQuestions`: the trained wordings,
    /// paraphrases and reversals (`CompareQuestion.probeGroup`).
    func probes(of questions: CompareQuestions) -> [CompareQuestion] {
        maxQuestions.map { Array(questions.training.prefix($0)) } ?? questions.training
    }

    /// Whether an arm that trains an adapter is asked for.
    var trainsAdapter: Bool { strategies.contains { $0.adapter != nil } }

    /// The evaluation questions within `maxQuestions`.
    func evaluation(of questions: CompareQuestions) -> [CompareQuestion] {
        maxQuestions.map { Array(questions.evaluation.prefix($0)) } ?? questions.evaluation
    }

    public var storePath: String { store ?? outputDirectory + "/store.sqlite" }
    public var strategiesDirectory: String { outputDirectory + "/strategies" }
    public var reportPath: String { outputDirectory + "/report.json" }
    public var pagePath: String { outputDirectory + "/report.html" }
    public var adaptersDirectory: String { outputDirectory + "/adapters" }
}

/// What a comparison will run, before it runs (`compare --plan`).
public struct ComparePlan: Encodable, Sendable {
    public struct Step: Encodable, Sendable {
        public var strategy: String
        /// Whether the arm runs; false for arms that cannot (see `note`).
        public var runs: Bool
        /// Questions it answers (evaluation questions; plus the outsider probe for RAG).
        public var questions: Int
        /// Estimated CPU seconds (answers; training for the arms that train).
        public var estimatedSeconds: Double
        public var note: String

        private enum CodingKeys: String, CodingKey { case strategy, runs, questions, estimatedSeconds = "estimated_seconds", note }
    }

    public var evaluationQuestions, trainingQuestions, restrictedQuestions: Int
    /// Evaluation questions beyond the `maxQuestions` budget, not asked.
    public var overBudget: Int
    public var steps: [Step]
    public var estimatedSeconds: Double { steps.filter(\.runs).map(\.estimatedSeconds).reduce(0, +) }

    private enum CodingKeys: String, CodingKey {
        case evaluationQuestions = "evaluation_questions", trainingQuestions = "training_questions"
        case restrictedQuestions = "restricted_questions", overBudget = "over_budget", steps, estimatedSeconds = "estimated_seconds"
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(evaluationQuestions, forKey: .evaluationQuestions)
        try container.encode(trainingQuestions, forKey: .trainingQuestions)
        try container.encode(restrictedQuestions, forKey: .restrictedQuestions)
        try container.encode(overBudget, forKey: .overBudget)
        try container.encode(steps, forKey: .steps)
        try container.encode(estimatedSeconds, forKey: .estimatedSeconds)
    }

    /// The plan of `job` over its questions.
    public init(_ job: CompareJob, questions: CompareQuestions) {
        let evaluation = job.evaluation(of: questions)
        evaluationQuestions = evaluation.count
        overBudget = questions.evaluation.count - evaluation.count
        trainingQuestions = questions.training.count
        restrictedQuestions = evaluation.filter(\.restricted).count
        let restricted = restrictedQuestions
        // At most one probe question per fact (a fact whose questions hold no name gives none).
        let unanswerable = min(job.unanswerableQuestions, Set(evaluation.map(\.fact)).count)
        let probes = job.trainsAdapter ? job.probes(of: questions) : []
        let trained = questions.trained
        var trainersCounted = Set<CompareStrategy>()
        steps = job.strategies.map { strategy in
            let usesAdapter = strategy.adapter != nil
            let outsiders = (strategy.asksRestrictedAsOutsider ? restricted : 0) + (usesAdapter ? probes.filter { $0.restricted && $0.probe == nil }.count : 0)
            let count = evaluation.count + outsiders + probes.count + unanswerable
            var parts = ["\(evaluation.count) questions"]
            if outsiders > 0 { parts.append("\(outsiders) restricted ones as an outsider") }
            if !probes.isEmpty { parts.append("\(probes.count) about the training facts") }
            if unanswerable > 0 { parts.append("up to \(unanswerable) about things the documents do not contain") }
            var training = 0.0
            if let trainer = strategy.adapter, !trained.isEmpty, trainersCounted.insert(trainer).inserted {
                let estimate = Self.training(trainer, job: job, trained: trained.count)
                training = estimate.seconds
                parts.insert(estimate.note, at: 0)
            }
            let note: String
            let runs: Bool
            if strategy == .fewShot && questions.training.isEmpty {
                (note, runs) = ("no training questions to draw examples from: skipped", false)
            } else if strategy == .raft && job.rag.answerStyle != .extract {
                (note, runs) = ("raft trains the extract reader, and the answer style is \(job.rag.answerStyle.rawValue): skipped", false)
            } else if usesAdapter && trained.isEmpty {
                (note, runs) = ("no training question to train an adapter on: skipped", false)
            } else {
                (note, runs) = (parts.joined(separator: ", then "), true)
            }
            return Step(strategy: strategy.rawValue, runs: runs, questions: count,
                        estimatedSeconds: Double(count) * strategy.secondsPerQuestion + training, note: note)
        }
    }

    /// The estimated CPU seconds of training `trainer`'s adapter on `trained` questions, and what it trains on.
    static func training(_ trainer: CompareStrategy, job: CompareJob, trained: Int) -> (seconds: Double, note: String) {
        switch trainer {
        case .loraDocs:
            // Every document token once per epoch, and the held-out questions evaluated after each.
            let tokens = Double(documentBytes(job.documents)) / bytesPerToken
            return (tokens * Double(job.adapterEpochs) / trainingTokensPerSecond + Double(trained * job.adapterEpochs) / examplesPerSecond / 3,
                    "train an adapter on the documents' text (continued pre-training; at most \(job.adapterEpochs) epochs, "
                        + "held-out loss on the \(trained) training questions)")
        case .raft:
            return (Double(trained * job.adapterEpochs) / readerExamplesPerSecond,
                    "train a reader adapter on up to \(trained) training questions over their retrieved evidence (at most \(job.adapterEpochs) epochs)")
        default:
            let wordings = trained * (1 + QATrainingSet.trainingTemplates.count + job.rewrites)
            let replay = min(job.replay, ForgettingProbe.replayQuestions.count)
            return (Double(trained * (job.rewrites > 0 ? 1 : 0) + replay) * secondsPerRewrite + Double((wordings + replay) * job.adapterEpochs) / examplesPerSecond,
                    "train an adapter on up to \(wordings) wordings of \(trained) questions and \(replay) replay examples (at most \(job.adapterEpochs) epochs)")
        }
    }

    /// Training examples per second on 2 cores of the development machine (SmolLM2 Q4_1, LoRA
    /// r 16 on all linear layers, ~60-token chat examples, forward and backward).
    static let examplesPerSecond = 3.0
    /// The same for raft's reader examples (~130 tokens: three evidence sentences and a question).
    static let readerExamplesPerSecond = 1.5
    /// Training tokens per second on 2 cores of the development machine (`ragtune bench train`, r 8: 155).
    static let trainingTokensPerSecond = 150.0
    /// Bytes of English text per SmolLM2 token, for estimates before anything is tokenized.
    static let bytesPerToken = 4.0

    /// Bytes of the files at `paths` (folders walked), for the lora-docs estimate.
    static func documentBytes(_ paths: [String]) -> Int {
        let files = FileManager.default
        var total = 0
        for path in paths {
            var isFolder: ObjCBool = false
            guard files.fileExists(atPath: path, isDirectory: &isFolder) else { continue }
            let names = isFolder.boolValue ? (files.enumerator(atPath: path)?.allObjects as? [String] ?? []).map { path + "/" + $0 } : [path]
            for name in names {
                let attributes = try? files.attributesOfItem(atPath: name)
                if attributes?[.type] as? FileAttributeType == .typeRegular { total += attributes?[.size] as? Int ?? 0 }
            }
        }
        return total
    }

    /// Seconds for the generator to rewrite (or answer) one question.
    static let secondsPerRewrite = 1.0
}
