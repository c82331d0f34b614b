import RagTuneTensor

/// Picks the next token from a logit vector, following llama.cpp's sampler chain
/// (`common/sampling.cpp`): penalties → top-k → top-p → min-p → temperature → draw,
/// or the argmax after penalties when `temperature <= 0`.
///
/// One owner at a time: it holds the seeded generator and the window of recent tokens.
/// After the first call it reuses one candidate buffer of the vocabulary's size, so
/// sampling allocates nothing per token.
public struct Sampler: Sendable {
    public let parameters: SamplingParameters
    private var rng: SplitMix64
    /// [vocab] scratch: (token id, logit) pairs, filtered in place by the steps.
    private var candidates = CandidateList()
    /// Last `penaltyLastN` accepted tokens (all when -1), a ring starting at `recentStart` once full.
    private var recent: [Int] = []
    private var recentStart = 0
    /// Occurrences of each token in `recent` (or in all accepted tokens when `penaltyLastN == -1`).
    private var counts: [Int: Int] = [:]

    /// Throws `ModelError.invalidInput` when a parameter is out of range (see `SamplingParameters.validate`).
    public init(parameters: SamplingParameters) throws {
        try parameters.validate()
        self.parameters = parameters
        rng = SplitMix64(seed: parameters.seed)
    }

    /// Tokens currently in the penalty window, oldest first (empty when no penalty is set).
    public var recentTokens: [Int] {
        Array(recent[recentStart...] + recent[..<recentStart])
    }

    /// Pushes a token into the penalty window: call it for every generated token, and for
    /// prompt tokens if they should be penalized too (as llama.cpp's CLI does). A no-op
    /// when no penalty is set.
    public mutating func accept(_ token: Int) {
        let lastN = parameters.penaltyLastN
        guard parameters.hasPenalties else { return }
        if lastN < 0 {
            recent.append(token)
        } else {
            if recent.count < lastN {
                recent.append(token)
            } else {
                let old = recent[recentStart]
                if let c = counts[old], c > 1 { counts[old] = c - 1 } else { counts[old] = nil }
                recent[recentStart] = token
                recentStart = (recentStart + 1) % lastN
            }
        }
        counts[token, default: 0] += 1
    }

    /// `accept` for each token in order.
    public mutating func accept<S: Sequence>(contentsOf tokens: S) where S.Element == Int {
        for token in tokens { accept(token) }
    }

    /// Forgets the penalty window (a new conversation); the generator keeps its state.
    public mutating func reset() {
        recent.removeAll(keepingCapacity: true)
        recentStart = 0
        counts.removeAll(keepingCapacity: true)
    }

    /// Samples a token id.
    /// - Parameter logits: [vocab] raw scores of the next token.
    /// - Returns: a token id in `0..<logits.count`.
    /// - Throws: `ModelError.invalidInput` when `logits` is empty.
    public mutating func sample(logits: UnsafeBufferPointer<Float>) throws -> Int {
        guard let base = logits.baseAddress, !logits.isEmpty else {
            throw ModelError.invalidInput("sampler: the logit vector is empty")
        }
        let p = parameters
        if p.temperature <= 0 && !p.hasPenalties {
            return Kernels.argmax(base, count: logits.count)
        }
        filter(logits)
        if p.temperature <= 0 { return candidates.argmax() }
        return candidates.draw(temperature: p.temperature, using: &rng)
    }

    /// `sample(logits:)` on an array.
    public mutating func sample(logits: [Float]) throws -> Int {
        try logits.withUnsafeBufferPointer { try sample(logits: $0) }
    }

    /// The distribution `sample` would draw from, without drawing: the tokens that survive
    /// the filters with their probabilities after temperature, most likely first (ties: lower
    /// id first). Greedy parameters give the argmax with probability 1.
    /// - Parameter logits: [vocab] raw scores.
    public mutating func distribution(logits: [Float]) throws -> [(token: Int, probability: Float)] {
        guard !logits.isEmpty else { throw ModelError.invalidInput("sampler: the logit vector is empty") }
        logits.withUnsafeBufferPointer { filter($0) }
        if parameters.temperature <= 0 { return [(candidates.argmax(), 1)] }
        return candidates.probabilities(temperature: parameters.temperature)
    }

    /// Loads the candidates and runs every step before the draw; greedy needs only the penalties.
    private mutating func filter(_ logits: UnsafeBufferPointer<Float>) {
        let p = parameters
        candidates.load(logits)
        if p.hasPenalties {
            candidates.penalize(counts: counts, repetition: p.repetitionPenalty,
                                frequency: p.frequencyPenalty, presence: p.presencePenalty)
        }
        guard p.temperature > 0 else { return }
        candidates.keepTopK(p.topK)
        candidates.keepTopP(p.topP)
        candidates.keepMinP(p.minP)
    }
}
