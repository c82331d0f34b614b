import Foundation
import RagTuneTensor

/// The LoRA training loop: micro-batches from `BatchPlanner`, gradient accumulation weighted by
/// learned tokens (so k micro-batches equal one batch of all their sequences, as Hugging Face's
/// `num_items_in_batch` normalization), AdamW with global-norm clipping, the learning-rate
/// schedule, periodic evaluation, reduce-on-plateau, early stopping and checkpoints.
///
/// Fully deterministic for a seed: adapter initialization, data order and dropout masks are
/// functions of (seed, epoch, step), and a run restored from a checkpoint repeats the losses of
/// an uninterrupted one. Mutable state with one owner.
public final class Trainer {
    public let job: FineTuneJob
    public let model: LoRAModel
    public internal(set) var optimizer: AdamW
    public internal(set) var state: TrainerState
    public let schedule: LearningRateSchedule
    public let planner: BatchPlanner
    /// Optimizer steps per epoch: ⌈micro-batches / accumulation⌉.
    public let stepsPerEpoch: Int
    /// Steps of the whole run (`max_steps`, or epochs × steps per epoch).
    public let totalSteps: Int
    let train: [TrainingSequence]
    let eval: [TrainingSequence]
    private var epochBatches: (epoch: Int, batches: [[Int]])?

    /// What the loop reports as it goes.
    public enum Event {
        /// One optimizer step done: its loss, learning rate and gradient norm.
        case step(step: Int, loss: Double, learningRate: Double, gradNorm: Double)
        /// A training or evaluation entry appended to the log.
        case logged(TrainerLogEntry)
        /// A checkpoint written.
        case checkpoint(URL)
    }

    /// - Parameters:
    ///   - train, eval: next-token sequences (eval may be empty: no evaluation)
    /// - Throws: `TrainingError` for invalid settings or sequences that do not fit the model.
    public init(job: FineTuneJob, base: any FrozenLlamaWeights, train: [TrainingSequence],
                eval: [TrainingSequence]) throws {
        try job.validate()
        guard !train.isEmpty else { throw TrainingError.invalidJob(key: "data_path", reason: "no training example") }
        if eval.isEmpty, job.lrSchedulerType == .reduceOnPlateau || job.earlyStoppingPatience != nil {
            throw TrainingError.invalidJob(key: job.lrSchedulerType == .reduceOnPlateau ? "lr_scheduler_type" : "early_stopping_patience",
                                           reason: "needs an eval set (eval_file or val_set_size)")
        }
        self.job = job
        model = try LoRAModel(base: base, lora: job.lora, threads: job.threads,
                              gradientCheckpointing: job.gradientCheckpointing)
        optimizer = AdamW(parameterCount: model.parameters.values.count, learningRate: Float(job.learningRate),
                          weightDecay: Float(job.weightDecay),
                          maxGradientNorm: job.maxGradNorm > 0 ? Float(job.maxGradNorm) : nil)
        self.train = train
        self.eval = eval
        planner = BatchPlanner(lengths: train.map(\.tokens.count), microBatchSize: job.microBatchSize,
                               groupByLength: job.groupByLength, seed: job.seed)
        stepsPerEpoch = (planner.batchesPerEpoch + job.gradientAccumulationSteps - 1) / job.gradientAccumulationSteps
        totalSteps = job.maxSteps > 0 ? job.maxSteps : max(1, Int((job.numTrainEpochs * Double(stepsPerEpoch)).rounded(.up)))
        let warmup = job.warmupSteps > 0 ? job.warmupSteps : Int((job.warmupRatio * Double(totalSteps)).rounded(.up))
        schedule = LearningRateSchedule(kind: job.lrSchedulerType, peak: job.learningRate, warmupSteps: warmup,
                                        totalSteps: totalSteps)
        state = TrainerState(plateau: PlateauReducer(options: job.lrSchedulerKwargs),
                             earlyStopping: job.earlyStoppingPatience.map {
                                 EarlyStopping(patience: $0, threshold: job.earlyStoppingThreshold) })
    }

    /// Whether the run has reached its last step or stopped early.
    public var isFinished: Bool { state.step >= totalSteps || state.stoppedEarly }

    /// Trains until the end (or until step `stopAfter`, for tests), evaluating, logging and
    /// checkpointing as the job says. With `eval_steps` set, the untrained adapter is evaluated
    /// first (the baseline of the eval-loss curve; as in Hugging Face's trainer, early stopping
    /// and reduce-on-plateau count only evaluations after training steps); a final evaluation
    /// follows the last step.
    public func run(stopAfter: Int? = nil, onEvent: (Event) throws -> Void = { _ in }) throws {
        if state.step == 0, state.lastEvalStep < 0, job.evalSteps > 0, !eval.isEmpty {
            try onEvent(.logged(try evaluateAndObserve(baseline: true)))
        }
        while !isFinished, state.step < (stopAfter ?? Int.max) {
            let result = try step()
            try onEvent(.step(step: state.step, loss: result.loss, learningRate: result.learningRate, gradNorm: result.gradNorm))
            if state.step % job.loggingSteps == 0 || state.step == totalSteps {
                try onEvent(.logged(logTraining(learningRate: result.learningRate, gradNorm: result.gradNorm)))
            }
            if job.evalSteps > 0, state.step % job.evalSteps == 0, !eval.isEmpty {
                try onEvent(.logged(try evaluateAndObserve()))
            }
            if job.saveSteps > 0, state.step % job.saveSteps == 0, !isFinished {
                try onEvent(.checkpoint(try TrainerCheckpoint.save(self)))
            }
        }
        if isFinished, !eval.isEmpty, state.lastEvalStep != state.step {
            try onEvent(.logged(try evaluateAndObserve()))
        }
    }

    /// One optimizer step over the next `gradient_accumulation_steps` micro-batches of the epoch.
    public func step() throws -> (loss: Double, learningRate: Double, gradNorm: Double) {
        let started = Date()
        let batches = batches(epoch: state.epoch)
        let micro = batches[state.batchInEpoch..<min(batches.count, state.batchInEpoch + job.gradientAccumulationSteps)]
        let sequences = micro.map { $0.map { train[$0] } }
        let (loss, gradients, counted) = try accumulate(sequences, step: state.step)
        guard loss.isFinite, gradients.allSatisfy(\.isFinite) else {
            throw TrainingError.nonFinite("step \(state.step + 1): the \(loss.isFinite ? "gradient" : "loss (\(loss))") is not "
                                          + "finite; stopped before changing the adapter (lower learning_rate or max_grad_norm, "
                                          + "check the data, or resume from an earlier checkpoint)")
        }
        let rate = schedule.rate(at: state.step, plateauScale: state.plateau.scale)
        optimizer.learningRate = Float(rate)
        let norm = try optimizer.update(&model.parameters.values, gradients: gradients)
        guard model.parameters.values.allSatisfy(\.isFinite) else {
            throw TrainingError.nonFinite("step \(state.step + 1): the update made adapter weights non-finite (learning "
                                          + "rate \(rate) is too high); stopped, nothing of this run is saved after it")
        }
        let inputs = sequences.joined().reduce(0) { $0 + $1.tokens.count }
        state.step += 1
        state.batchInEpoch += micro.count
        if state.batchInEpoch >= batches.count {
            state.epoch += 1
            state.batchInEpoch = 0
        }
        state.stepLosses.append(loss)
        state.countedTokens += counted
        state.inputTokens += inputs
        let seconds = Date().timeIntervalSince(started)
        state.trainSeconds += seconds
        state.pendingLoss += loss
        state.pendingSteps += 1
        state.pendingTokens += inputs
        state.pendingSeconds += seconds
        return (loss, rate, Double(norm))
    }

    /// The loss and gradient of the mean over every learned token of `microBatches`: each
    /// micro-batch's gradient weighted by its share of the learned tokens, so the result equals
    /// one batch of all their sequences.
    /// - Returns: mean loss, gradients (layout of the adapter parameters) and learned tokens
    func accumulate(_ microBatches: [[TrainingSequence]], step: Int) throws -> (loss: Double, gradients: [Float], counted: Int) {
        let counted = microBatches.joined().reduce(0) { $0 + $1.countedTokens }
        guard counted > 0 else { throw TrainingError.noCountedTokens }
        var gradients = [Float](repeating: 0, count: model.parameters.values.count)
        var lossSum: Double = 0
        for (k, batch) in microBatches.enumerated() {
            let share = batch.reduce(0) { $0 + $1.countedTokens }
            guard share > 0 else { continue }
            let result = try model.lossAndGradients(batch: batch, dropoutSeed: dropoutSeed(step: step, micro: k))
            let weight = Float(share) / Float(counted)
            result.gradients.values.withUnsafeBufferPointer { g in
                gradients.withUnsafeMutableBufferPointer { Kernels.axpy(weight, g.baseAddress!, $0.baseAddress!, count: g.count) }
            }
            lossSum += Double(result.loss) * Double(share)
        }
        return (lossSum / Double(counted), gradients, counted)
    }

    /// Mean loss over every learned token of the eval set, without dropout.
    public func evaluate() throws -> Double {
        guard !eval.isEmpty else { throw TrainingError.invalidJob(key: "val_set_size", reason: "no eval set") }
        return Double(try model.loss(batch: eval))
    }

    /// Fractional epochs done.
    public var epochProgress: Double { Double(state.step) / Double(max(1, stepsPerEpoch)) }

    private func logTraining(learningRate: Double, gradNorm: Double) -> TrainerLogEntry {
        let entry = TrainerLogEntry(step: state.step, epoch: epochProgress,
                                    loss: state.pendingLoss / Double(max(1, state.pendingSteps)),
                                    learningRate: learningRate, gradNorm: gradNorm,
                                    tokensPerSecond: Double(state.pendingTokens) / max(state.pendingSeconds, 1e-9))
        state.logHistory.append(entry)
        state.pendingLoss = 0
        state.pendingSteps = 0
        state.pendingTokens = 0
        state.pendingSeconds = 0
        return entry
    }

    private func evaluateAndObserve(baseline: Bool = false) throws -> TrainerLogEntry {
        let loss = try evaluate()
        guard loss.isFinite else {
            throw TrainingError.nonFinite("step \(state.step): the eval loss is \(loss); stopped (the adapter or the eval "
                                          + "data produce non-finite values)")
        }
        state.lastEvalStep = state.step
        if !baseline {
            if job.lrSchedulerType == .reduceOnPlateau { state.plateau.observe(loss, peak: job.learningRate) }
            if state.earlyStopping?.observe(loss) == true, state.step < totalSteps { state.stoppedEarly = true }
        }
        let entry = TrainerLogEntry(step: state.step, epoch: epochProgress, evalLoss: loss, evalPerplexity: exp(loss))
        state.logHistory.append(entry)
        return entry
    }

    private func batches(epoch: Int) -> [[Int]] {
        if let cached = epochBatches, cached.epoch == epoch { return cached.batches }
        let batches = planner.batches(epoch: epoch)
        epochBatches = (epoch, batches)
        return batches
    }

    /// Dropout seed of micro-batch `micro` of step `step`.
    func dropoutSeed(step: Int, micro: Int) -> UInt64 {
        var mix = SplitMix64(seed: job.seed ^ 0xD509_0000_0000_0000 ^ (UInt64(step) << 16) ^ UInt64(micro))
        return mix.next()
    }
}
