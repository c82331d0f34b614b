import Foundation
import RagTuneModelFiles
import RagTuneModels
import RagTuneRAG
import RagTuneRetrieval
import RagTuneTensor
import RagTuneTraining

/// What training an adapter for a comparison did and cost (`report.json`'s `training`).
public struct AdapterTraining: Codable, Sendable, Equatable {
    /// Training questions trained on (probes excluded), the examples made from them (wordings),
    /// and the held-out examples whose loss picks the epochs.
    public var questions, examples, heldOutExamples: Int
    /// The generator's rewrites kept as training wordings.
    public var rewrites: Int
    /// Replay examples: general questions with the base model's own answers (`--replay`).
    public var replay: Int
    /// raft: training examples that show only distractors (no sentence with the answer).
    @NullEncoded public var withoutOracle: Int? = nil
    /// lora-docs: chunks of document text trained on (continued pre-training; `questions` is 0
    /// and the training questions are the held-out examples).
    @NullEncoded public var documentChunks: Int? = nil
    /// Epochs of the adapter used (where the held-out loss was lowest), and epochs trained.
    public var epochs, epochsTrained: Double
    /// Held-out loss of the adapter used, and of the base model before training.
    @NullEncoded public var heldOutLoss: Double?
    @NullEncoded public var baselineHeldOutLoss: Double?
    /// Whether training stopped before its last epoch because the held-out loss stopped improving.
    public var stoppedEarly: Bool
    public var loraR: Int
    public var learningRate: Double
    /// Wall and CPU seconds (all threads) of writing the rewrites and training. After a resume,
    /// only the part after it.
    public var seconds, cpuSeconds: Double
    public var resumed: Bool
    /// The process's peak resident memory when training ended.
    public var peakRSSMB: Double
    /// `adapter_model.safetensors` of the adapter used.
    public var adapterBytes: Int
    /// The base model merged with the adapter at the base's own quantization (`ragtune merge
    /// --quantize` with the base's type keeps every tensor's type): the base file's size; nil when
    /// the base file cannot be found.
    @NullEncoded public var mergedModelBytes: Int? = nil
    /// The adapter folder used (PEFT layout; `ragtune ask --adapter` loads it).
    public var adapter: String

    /// What the adapter trained on, in words for the report and the verdict.
    public var trainedOn: String {
        if let documentChunks { return "\(documentChunks) chunks of the documents' text and \(replay) replay examples" }
        if let withoutOracle { return "\(examples) reader examples from \(questions) questions (\(withoutOracle) with distractors only)" }
        return "\(examples) wordings of \(questions) questions (\(rewrites) by the generator)"
    }

    private enum CodingKeys: String, CodingKey {
        case questions, examples, heldOutExamples = "held_out_examples", rewrites, replay, withoutOracle = "without_oracle", documentChunks = "document_chunks", epochs, epochsTrained = "epochs_trained"
        case heldOutLoss = "held_out_loss", baselineHeldOutLoss = "baseline_held_out_loss", stoppedEarly = "stopped_early"
        case loraR = "lora_r", learningRate = "learning_rate", seconds, cpuSeconds = "cpu_seconds", resumed
        case peakRSSMB = "peak_rss_mb", adapterBytes = "adapter_bytes", mergedModelBytes = "merged_model_bytes", adapter
    }
}

/// The generator's rewrites of the training questions, saved so a re-run does not write them again.
struct SavedRewrites: SavedResult {
    var fingerprint: String
    var rewrites: [String: [String]]
    var seconds, cpuSeconds: Double

    enum CodingKeys: String, CodingKey { case fingerprint, rewrites, seconds, cpuSeconds = "cpu_seconds" }
}

/// The base model's answers to the replay questions, saved so a re-run does not ask again.
struct SavedReplay: SavedResult {
    var fingerprint: String
    var answers: [String]
}

/// A finished adapter training, saved beside the adapter.
struct SavedAdapterTraining: SavedResult {
    var fingerprint: String
    var training: AdapterTraining
}

/// An adapter arm's training data, ready for `CompareRunner.trainAdapter`.
struct AdapterData {
    /// `ragtune finetune` data lines: the training examples and the held-out ones.
    var train, heldOut: Data
    var examples, heldOutExamples, questions: Int
    var rewrites = 0, replay = 0
    var withoutOracle: Int? = nil, documentChunks: Int? = nil
    /// Longest example in tokens.
    var cutoff = 256
    /// The learning rate, when not `--learning-rate`.
    var learningRate: Double? = nil
    /// Wall and CPU seconds spent making the data (the generator's rewrites), counted as training time.
    var seconds = 0.0, cpuSeconds = 0.0
    /// What the adapter trains on, for the log.
    var summary: String
}

extension CompareRunner {
    /// Trains the lora-qa adapter on the trained questions (`QATrainingSet`) in the closed-book
    /// prompt, with `trainAdapter`.
    /// - Throws: `EvaluationError.invalidArgument` when there is nothing to train on, and training,
    ///   model and write errors.
    static func trainQAAdapter(_ job: CompareJob, questions: [CompareQuestion], runner: QARunner,
                               log: @escaping @Sendable (String) -> Void,
                               progress: (_ stage: String, _ done: Int, _ total: Int) -> Void) throws -> SavedAdapterTraining {
        guard !questions.isEmpty else {
            throw EvaluationError.invalidArgument("lora-qa: the training split holds no question to train on (probes are never trained on)")
        }
        let directory = try adapterDirectory(.loraQA, job)
        let rewrites = try rewriteQuestions(job, questions: questions, generator: runner.generator, directory: directory, log: log, progress: progress)
        let replay = try replayAnswers(job, runner: runner, directory: directory, progress: progress)
        let set = QATrainingSet(questions, rewrites: rewrites.rewrites,
                                replay: zip(ForgettingProbe.replayQuestions, replay.answers).map { .init(question: $0, answer: $1) })
        let prompt = PromptBuilder(answerStyle: job.rag.answerStyle)
        let data = AdapterData(
            train: try QATrainingSet.jsonl(set.train, prompt: prompt), heldOut: try QATrainingSet.jsonl(set.heldOut, prompt: prompt),
            examples: set.train.count, heldOutExamples: set.heldOut.count, questions: questions.count, rewrites: set.rewrites,
            replay: replay.answers.count, seconds: rewrites.seconds, cpuSeconds: rewrites.cpuSeconds,
            summary: "wordings of \(questions.count) questions (\(set.rewrites) by the generator) "
                + "and \(replay.answers.count) general questions with the base model's answers")
        return try trainAdapter(.loraQA, job: job, data: data, directory: directory, log: log, progress: progress)
    }

    /// Trains the raft adapter (`RAFTTrainingSet`): the trained questions in the extract reader's
    /// prompt over the evidence `pipeline` retrieves for them as `job.user`, with `trainAdapter`.
    /// - Throws: `EvaluationError.invalidArgument` when fewer than two trained questions have their
    ///   answer in their retrieved evidence, and retrieval, training, model and write errors.
    static func trainRAFTAdapter(_ job: CompareJob, questions: [CompareQuestion], pipeline: RAGPipeline,
                                 log: @escaping @Sendable (String) -> Void,
                                 progress: (_ stage: String, _ done: Int, _ total: Int) -> Void) throws -> SavedAdapterTraining {
        let directory = try adapterDirectory(.raft, job)
        let reader = pipeline.options.reader
        let items = try questions.enumerated().map { i, question in
            let found = try pipeline.retrieval(for: question.pair.question, user: job.user)
            let ranked = try reader.rankedEvidence(for: question.pair.question, sources: found.sources, background: found.retrieved,
                                                   similarity: pipeline.similarity(of:to:)).map(\.text)
            progress("raft evidence", i + 1, questions.count)
            return (question: question, ranked: ranked)
        }
        let set = RAFTTrainingSet(items, shown: reader.sentences, seed: job.seed)
        guard !set.train.isEmpty, !set.heldOut.isEmpty else {
            throw EvaluationError.invalidArgument("raft: \(questions.count - set.skipped) of the \(questions.count) training questions have "
                                                  + "their answer in the evidence retrieved for them and are not yes/no questions; at least 2 "
                                                  + "are needed (one to train on, one held out to pick the epochs)")
        }
        let data = AdapterData(
            train: try RAFTTrainingSet.jsonl(set.train), heldOut: try RAFTTrainingSet.jsonl(set.heldOut),
            examples: set.train.count, heldOutExamples: set.heldOut.count, questions: questions.count - set.skipped, withoutOracle: set.withoutOracle,
            learningRate: job.raftLearningRate,
            summary: "\(questions.count - set.skipped) questions over their retrieved evidence (\(set.withoutOracle) with distractors only"
                + (set.skipped > 0 ? "; \(set.skipped) yes/no or with the answer in no retrieved sentence left out" : "") + ")")
        return try trainAdapter(.raft, job: job, data: data, directory: directory, log: log, progress: progress)
    }

    /// Trains the lora-docs adapter: LoRA on the text of every chunk of the store (continued
    /// pre-training, all tokens learned, restricted documents included: the outsider probe checks
    /// what leaks) mixed with the replay examples (`--replay` general questions with the base
    /// model's own answers, which keep it answering in the chat format), with `trainAdapter`. The
    /// held-out examples are the trained questions in the closed-book prompt the arm answers in:
    /// their loss picks the epochs at which the adapter answers questions about the documents best.
    /// - Throws: `EvaluationError.invalidArgument` without chunks or training questions, and
    ///   training, model and write errors.
    static func trainDocsAdapter(_ job: CompareJob, questions: [CompareQuestion], chunks: [String], runner: QARunner,
                                 log: @escaping @Sendable (String) -> Void,
                                 progress: (_ stage: String, _ done: Int, _ total: Int) -> Void) throws -> SavedAdapterTraining {
        guard !questions.isEmpty, !chunks.isEmpty else {
            throw EvaluationError.invalidArgument(chunks.isEmpty ? "lora-docs: the store holds no text to train on"
                                                  : "lora-docs: the training split holds no question to pick the epochs with")
        }
        let directory = try adapterDirectory(.loraDocs, job)
        let prompt = PromptBuilder(answerStyle: job.rag.answerStyle)
        let heldOut = questions.map { QATrainingSet.Example(question: $0.pair.question, answer: $0.pair.answer) }
        let replay = try replayAnswers(job, runner: runner, directory: directory, progress: progress)
        var train = Data()
        for chunk in chunks {
            train += try JSONSerialization.data(withJSONObject: ["text": chunk], options: [.sortedKeys, .withoutEscapingSlashes]) + Data("\n".utf8)
        }
        train += try QATrainingSet.jsonl(zip(ForgettingProbe.replayQuestions, replay.answers).map { .init(question: $0, answer: $1) }, prompt: prompt)
        let data = AdapterData(
            train: train, heldOut: try QATrainingSet.jsonl(heldOut, prompt: prompt),
            examples: chunks.count + replay.answers.count, heldOutExamples: heldOut.count, questions: 0, replay: replay.answers.count,
            documentChunks: chunks.count, cutoff: 512,
            summary: "the text of \(chunks.count) chunks (continued pre-training) and \(replay.answers.count) general questions with the base "
                + "model's answers; the held-out examples are the \(heldOut.count) training questions, closed-book")
        return try trainAdapter(.loraDocs, job: job, data: data, directory: directory, log: log, progress: progress)
    }

    /// `OUT/adapters/ARM`, created if needed.
    static func adapterDirectory(_ arm: CompareStrategy, _ job: CompareJob) throws -> String {
        let directory = job.adaptersDirectory + "/" + arm.rawValue
        try createDirectory(directory)
        return directory
    }

    /// Trains `arm`'s adapter on `data` in `directory`, or reuses the one an earlier run finished
    /// with the same data and settings; a run killed while training resumes from its last epoch's
    /// checkpoint. The epochs are picked by held-out loss: training stops after two epochs without
    /// improvement, and the checkpoint with the lowest held-out loss is the adapter used.
    static func trainAdapter(_ arm: CompareStrategy, job: CompareJob, data: AdapterData, directory: String,
                             log: @escaping @Sendable (String) -> Void,
                             progress: (_ stage: String, _ done: Int, _ total: Int) -> Void) throws -> SavedAdapterTraining {
        let name = arm.rawValue
        try writeAtomically(data.train, to: directory + "/train.jsonl")
        try writeAtomically(data.heldOut, to: directory + "/held-out.jsonl")
        var fineTune = fineTuneJob(job, directory: directory, examples: data.examples)
        fineTune.cutoffLen = data.cutoff
        fineTune.learningRate = data.learningRate ?? job.learningRate
        let settings = "\(fineTune.baseModel)|\(fineTune.loraR)|\(fineTune.learningRate)|\(fineTune.numTrainEpochs)|\(fineTune.seed)|\(fineTune.cutoffLen)"
        var hash = FNV1a(bytesOf: settings)
        for byte in data.train + Data([0]) + data.heldOut { hash.mix(byte) }
        let fingerprint = String(hash.value, radix: 16)
        let savedFile = URL(fileURLWithPath: directory + "/training.json")
        if let saved = SavedAdapterTraining.load(savedFile, fingerprint: fingerprint),
           FileManager.default.fileExists(atPath: saved.training.adapter + "/adapter_model.safetensors") {
            log("\(name): adapter trained by an earlier run on the same data, not trained again (\(saved.training.adapter))")
            return saved
        }
        // A checkpoint resumes only with the data and the paths it was trained with (a moved --out
        // folder trains afresh rather than failing on the checkpoint's recorded data path).
        let marker = URL(fileURLWithPath: fineTune.outputDir + "/compare-fingerprint")
        let stamp = fingerprint + "\n" + fineTune.outputDir
        let resumable = (try? String(contentsOf: marker, encoding: .utf8)) == stamp && TrainerCheckpoint.latest(in: fineTune.outputDir) != nil
        if !resumable {
            try? FileManager.default.removeItem(atPath: fineTune.outputDir)
            try createDirectory(fineTune.outputDir)
            try writeAtomically(Data(stamp.utf8), to: marker.path)
        }
        log("\(name): training on \(data.examples) examples: \(data.summary); held-out loss on \(data.heldOutExamples); "
            + "at most \(job.adapterEpochs) epochs" + (resumable ? ", resuming from the last checkpoint" : ""))
        let started = Date(), startedCPU = ProcessCPUTime.seconds()
        var totalSteps = 1
        let result = try FineTuneRun(job: fineTune, resume: resumable ? .latest : nil).run { event in
            switch event {
            case .prepared(let steps, _): totalSteps = steps
            case .step(let step, _, _, _): progress("\(name) training", step, totalSteps)
            case .logged(let entry):
                if let loss = entry.evalLoss { log(String(format: "%@: epoch %.0f, held-out loss %.3f", name, entry.epoch, loss)) }
            default: break
            }
        }
        let chosen = try chooseCheckpoint(result: result, outputDir: fineTune.outputDir, stepsPerEpoch: fineTune.evalSteps)
        let training = AdapterTraining(
            questions: data.questions, examples: data.examples, heldOutExamples: data.heldOutExamples, rewrites: data.rewrites,
            replay: data.replay, withoutOracle: data.withoutOracle, documentChunks: data.documentChunks,
            epochs: chosen.epochs, epochsTrained: result.epochs, heldOutLoss: chosen.loss, baselineHeldOutLoss: chosen.baseline,
            stoppedEarly: result.stoppedEarly, loraR: fineTune.loraR, learningRate: fineTune.learningRate,
            seconds: Date().timeIntervalSince(started) + data.seconds, cpuSeconds: ProcessCPUTime.seconds() - startedCPU + data.cpuSeconds,
            resumed: resumable, peakRSSMB: result.peakRSSMB,
            adapterBytes: (try? FileManager.default.attributesOfItem(atPath: chosen.adapter + "/adapter_model.safetensors")[.size] as? Int) ?? 0,
            mergedModelBytes: (try? ModelLocator().weightsFile(job.baseModel)).flatMap { try? FileManager.default.attributesOfItem(atPath: $0.path)[.size] as? Int },
            adapter: chosen.adapter)
        let saved = SavedAdapterTraining(fingerprint: fingerprint, training: training)
        try saved.save(savedFile)
        return saved
    }

    /// The generator's rewrites of `questions`, or those an earlier run saved for the same questions.
    static func rewriteQuestions(_ job: CompareJob, questions: [CompareQuestion], generator: any AnswerGenerator, directory: String,
                                 log: (String) -> Void, progress: (_ stage: String, _ done: Int, _ total: Int) -> Void) throws -> SavedRewrites {
        var hash = FNV1a(bytesOf: "\(generator.name)|\(job.rewrites)")
        for question in questions { hash.add("\(question.pair.id)\u{1}\(question.pair.question)\u{1}\(question.pair.answer)") }
        let fingerprint = String(hash.value, radix: 16)
        guard job.rewrites > 0 else { return SavedRewrites(fingerprint: fingerprint, rewrites: [:], seconds: 0, cpuSeconds: 0) }
        return try SavedRewrites.loadOrMake(URL(fileURLWithPath: directory + "/rewrites.json"), fingerprint: fingerprint) {
            log("lora-qa: the generator rewrites each of \(questions.count) training questions (\(job.rewrites) each)")
            let started = Date(), startedCPU = ProcessCPUTime.seconds()
            let paraphraser = QuestionParaphraser(generator: generator, count: job.rewrites)
            var rewrites: [String: [String]] = [:]
            for (i, question) in questions.enumerated() {
                rewrites[question.pair.id] = try paraphraser.rewrites(of: question.pair.question, answer: question.pair.answer)
                progress("lora-qa rewrites", i + 1, questions.count)
            }
            return SavedRewrites(fingerprint: fingerprint, rewrites: rewrites, seconds: Date().timeIntervalSince(started),
                                 cpuSeconds: ProcessCPUTime.seconds() - startedCPU)
        }
    }

    /// The base model's own closed-book answers to the first `job.replay` replay questions
    /// (`ForgettingProbe.replayQuestions`), or those an earlier run saved.
    static func replayAnswers(_ job: CompareJob, runner: QARunner, directory: String,
                              progress: (_ stage: String, _ done: Int, _ total: Int) -> Void) throws -> SavedReplay {
        let questions = Array(ForgettingProbe.replayQuestions.prefix(job.replay))
        let fingerprint = String(FNV1a(bytesOf: "\(runner.generator.name)|\(job.rag.maxAnswerTokens)|\(job.rag.answerStyle)|"
                                       + questions.joined(separator: "\u{1}")).value, radix: 16)
        return try SavedReplay.loadOrMake(URL(fileURLWithPath: directory + "/replay.json"), fingerprint: fingerprint) {
            SavedReplay(fingerprint: fingerprint, answers: try questions.enumerated().map { i, question in
                let answer = try runner.answer(question, strategy: .closedBook).answer
                progress("replay answers", i + 1, questions.count)
                return answer
            })
        }
    }

    /// The settings of an adapter's training: LoRA r on all linear layers, a constant learning
    /// rate after a short warmup (the measurement: a cosine schedule stopped learning
    /// invented facts too early), evaluation and a checkpoint at the end of every epoch, early
    /// stopping after two epochs without a better held-out loss.
    static func fineTuneJob(_ job: CompareJob, directory: String, examples: Int) -> FineTuneJob {
        var fineTune = FineTuneJob()
        fineTune.baseModel = job.baseModel
        fineTune.dataPath = directory + "/train.jsonl"
        fineTune.evalFile = directory + "/held-out.jsonl"
        fineTune.outputDir = directory + "/run"
        fineTune.loraR = job.loraR
        fineTune.loraAlpha = Double(2 * job.loraR)
        fineTune.loraDropout = 0
        fineTune.learningRate = job.learningRate
        fineTune.lrSchedulerType = .constant
        fineTune.numTrainEpochs = Double(job.adapterEpochs)
        fineTune.microBatchSize = 4
        let stepsPerEpoch = (examples + fineTune.microBatchSize - 1) / fineTune.microBatchSize
        fineTune.warmupSteps = min(10, stepsPerEpoch)
        fineTune.evalSteps = stepsPerEpoch
        fineTune.saveSteps = stepsPerEpoch
        fineTune.loggingSteps = stepsPerEpoch
        fineTune.earlyStoppingPatience = 2
        fineTune.cutoffLen = 256
        fineTune.samplePrompts = 0
        fineTune.seed = job.seed
        fineTune.threads = job.threads
        return fineTune
    }

    /// The epoch with the lowest held-out loss after training began: its checkpoint (or the
    /// final adapter when that is the last step). The other checkpoints are removed.
    static func chooseCheckpoint(result: FineTuneResult, outputDir: String,
                                 stepsPerEpoch: Int) throws -> (adapter: String, epochs: Double, loss: Double?, baseline: Double?) {
        let stateFile = URL(fileURLWithPath: result.outputs.trainerState)
        let evaluations: [(step: Int, loss: Double)]
        do {
            let state = try JSONDecoder().decode(TrainerStateFile.self, from: Data(contentsOf: stateFile))
            evaluations = state.summary.logHistory.compactMap { record in record.entry.evalLoss.map { (record.entry.step, $0) } }
        } catch {
            throw EvaluationError.badFile(path: stateFile.path, line: nil, reason: "cannot read the training log: \(error)")
        }
        let baseline = evaluations.first { $0.step == 0 }?.loss
        guard let best = evaluations.filter({ $0.step > 0 }).min(by: { $0.loss < $1.loss }) else {
            return (outputDir, result.epochs, nil, baseline)
        }
        let chosen = best.step == result.steps ? outputDir : outputDir + "/checkpoint-\(best.step)"
        let files = FileManager.default
        for name in (try? files.contentsOfDirectory(atPath: outputDir)) ?? [] where name.hasPrefix("checkpoint-") {
            let path = outputDir + "/" + name
            if path != chosen { try? files.removeItem(atPath: path) }
        }
        return (chosen, Double(best.step) / Double(max(stepsPerEpoch, 1)), best.loss, baseline)
    }
}
