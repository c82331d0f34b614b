/// One line of the training log, as Hugging Face's `trainer_state.json` `log_history`: a
/// training entry (loss, learning rate, gradient norm, throughput) or an evaluation entry.
public struct TrainerLogEntry: Sendable, Equatable, Codable {
    public var step: Int
    /// Epochs done, fractional (step / steps per epoch).
    public var epoch: Double
    /// Mean training loss over the steps since the previous training entry.
    public var loss: Double?
    public var learningRate: Double?
    /// Global gradient L2 norm of the last step, before clipping.
    public var gradNorm: Double?
    /// Tokens (all input positions) per second over the steps since the previous entry.
    public var tokensPerSecond: Double?
    public var evalLoss: Double?
    public var evalPerplexity: Double?

    enum CodingKeys: String, CodingKey {
        case step, epoch, loss, learningRate = "learning_rate", gradNorm = "grad_norm"
        case tokensPerSecond = "tokens_per_second", evalLoss = "eval_loss", evalPerplexity = "eval_perplexity"
    }

    public init(step: Int, epoch: Double, loss: Double? = nil, learningRate: Double? = nil, gradNorm: Double? = nil,
                tokensPerSecond: Double? = nil, evalLoss: Double? = nil, evalPerplexity: Double? = nil) {
        self.step = step
        self.epoch = epoch
        self.loss = loss
        self.learningRate = learningRate
        self.gradNorm = gradNorm
        self.tokensPerSecond = tokensPerSecond
        self.evalLoss = evalLoss
        self.evalPerplexity = evalPerplexity
    }
}

/// Where a run stands: everything besides the adapter and optimizer tensors that a resumed
/// run needs to continue exactly. There is no random-number state to save: the data order of
/// epoch e and the dropout masks of step s are pure functions of (seed, e, s).
public struct TrainerState: Sendable, Equatable, Codable {
    /// Optimizer steps done.
    public var step = 0
    /// The epoch being read (0-based) and the micro-batches of it consumed.
    public var epoch = 0
    public var batchInEpoch = 0
    /// Learned tokens and all input tokens trained on so far.
    public var countedTokens = 0
    public var inputTokens = 0
    /// Seconds spent in training steps (evaluation and checkpoints excluded).
    public var trainSeconds: Double = 0
    /// Training loss of every step, in order (exact: the resume test compares them).
    public var stepLosses: [Double] = []
    public var logHistory: [TrainerLogEntry] = []
    public var plateau: PlateauReducer
    public var earlyStopping: EarlyStopping?
    /// Set when early stopping ended the run.
    public var stoppedEarly = false
    /// Step of the last evaluation (−1: none yet).
    public var lastEvalStep = -1
    /// Loss sum, steps and input tokens since the last training log entry.
    var pendingLoss: Double = 0
    var pendingSteps = 0
    var pendingTokens = 0
    var pendingSeconds: Double = 0

    enum CodingKeys: String, CodingKey {
        case step = "global_step", epoch, batchInEpoch = "batch_in_epoch", countedTokens = "counted_tokens"
        case inputTokens = "input_tokens", trainSeconds = "train_seconds", stepLosses = "step_losses"
        case logHistory = "log_history", plateau, earlyStopping = "early_stopping", stoppedEarly = "stopped_early"
        case lastEvalStep = "last_eval_step", pendingLoss = "pending_loss", pendingSteps = "pending_steps"
        case pendingTokens = "pending_tokens", pendingSeconds = "pending_seconds"
    }

    public init(plateau: PlateauReducer, earlyStopping: EarlyStopping?) {
        self.plateau = plateau
        self.earlyStopping = earlyStopping
    }

    /// The last evaluation entry, if any.
    public var lastEvaluation: TrainerLogEntry? { logHistory.last { $0.evalLoss != nil } }
}
