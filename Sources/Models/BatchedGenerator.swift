import Foundation

/// Continuous batching on one `TextGenerator`'s model: several generations decode together, one
/// token each per `step()`, in a single forward pass (`LlamaSession.evaluate(batch:)`),
/// so the weights are read once per step instead of once per generation. Generations join at
/// the next step (their prompt runs in that step beside the others' single tokens) and leave as
/// soon as they end, as in llama.cpp's server and vLLM.
///
/// Each generation gets a sequence of its own; a finished generation's sequence keeps its cached
/// tokens, and a later prompt takes the idle sequence sharing its longest prefix (a multi-turn
/// chat runs only its new turn). When another sequence, running or idle, holds a longer prefix of
/// the prompt (the chat template's system prompt, a shared instruction), its keys and values are
/// copied rather than computed again. Memory is bounded by `maxSequences` caches of at most the
/// context's positions.
///
/// The session's adapter applies to every generation in the batch: change it
/// (`TextGenerator.setAdapter`) only while none runs, then call `forgetCachedPrefixes()`.
/// Which rows share a step changes how the products group them, so a generation's floats (and
/// rarely a greedy token) may differ from running it alone, as with any batching server.
/// One owner at a time.
public final class BatchedGenerator {
    public let generator: TextGenerator
    /// Most generations decoding at once.
    public let maxSequences: Int

    /// Generations in the batch.
    public var count: Int { running.count }
    /// Whether a generation can join now.
    public var hasRoom: Bool { running.count < maxSequences }
    /// Rows of the last step's forward pass (prompt tokens of joining generations + one per decoding one).
    public private(set) var lastStepRows = 0

    /// One generation in the batch.
    private final class Member {
        var state: GenerationState
        let sequence: LlamaSequence
        /// Ids to run in the next step: the rest of the prompt, then each sampled token.
        var pending: [Int]
        let isCancelled: () -> Bool
        let onText: (String) -> Void
        let onFinish: (Result<TextGenerator.Result, any Error>) -> Void
        let joined = Date()
        var prefilled: Date?

        init(state: GenerationState, sequence: LlamaSequence, pending: [Int], isCancelled: @escaping () -> Bool,
             onText: @escaping (String) -> Void, onFinish: @escaping (Result<TextGenerator.Result, any Error>) -> Void) {
            self.state = state
            self.sequence = sequence
            self.pending = pending
            self.isCancelled = isCancelled
            self.onText = onText
            self.onFinish = onFinish
        }

        func finish() {
            let now = Date(), prefilled = prefilled ?? now
            onFinish(.success(state.result(promptSeconds: prefilled.timeIntervalSince(joined),
                                           generateSeconds: now.timeIntervalSince(prefilled))))
        }
    }

    private var running: [Member] = []
    /// The step's batch and its logits (`[running.count × vocabularySize]`), kept with their capacity.
    private var batch: [(sequence: LlamaSequence, ids: [Int])] = []
    private var logits: [Float] = []
    /// Sequences of finished generations, with their cached tokens.
    private var idle: [LlamaSequence] = []

    /// - Parameter maxSequences: most generations decoding at once (at least 1).
    public init(generator: TextGenerator, maxSequences: Int) {
        self.generator = generator
        self.maxSequences = max(1, maxSequences)
    }

    /// Adds a generation of a continuation of `promptIds`; its prompt runs at the next `step()`.
    /// Callbacks run inside `step()`: `onText` with each chunk of text as `TextGenerator.generate`
    /// streams it, `onFinish` once, with the result or the error that ended it.
    /// - Parameter isCancelled: asked after each token; true ends the generation (`.cancelled`).
    /// - Throws: `ModelError.invalidInput` for an empty prompt, one that fills the context, bad
    ///   sampling or stop settings, and when `hasRoom` is false.
    public func add(promptIds: [Int], sampling: SamplingParameters, stop: StopCondition,
                    isCancelled: @escaping () -> Bool = { false }, onText: @escaping (String) -> Void = { _ in },
                    onFinish: @escaping (Result<TextGenerator.Result, any Error>) -> Void) throws {
        guard hasRoom else { throw ModelError.invalidInput("the batch is full (\(maxSequences) generations)") }
        let session = generator.session
        try session.validate(promptIds)
        guard promptIds.count < session.maxContext else {
            throw ModelError.invalidInput("the prompt's \(promptIds.count) tokens leave no room in the context of \(session.maxContext)")
        }
        let state = try GenerationState(promptIds: promptIds, sampling: sampling, stop: stop, tokenizer: generator.tokenizer)
        let sequence = takeSequence(for: promptIds)
        var pending = sequence.reuse(prefixOf: promptIds)
        let donors = running.map(\.sequence) + idle
        if let donor = donors.max(by: { $0.sharedPrefixLength(with: promptIds) < $1.sharedPrefixLength(with: promptIds) }) {
            let shared = min(donor.sharedPrefixLength(with: promptIds), promptIds.count - 1)
            if shared > sequence.tokens.count {
                sequence.copyPrefix(from: donor, count: shared)
                pending = promptIds[shared...]
            }
        }
        running.append(Member(state: state, sequence: sequence, pending: Array(pending),
                              isCancelled: isCancelled, onText: onText, onFinish: onFinish))
    }

    /// One forward pass for every generation in the batch: joining ones run their prompt,
    /// the others their last token; then each samples its next token, and the finished ones leave
    /// (their `onFinish` is called). Generations cancelled before their prompt ran leave without it.
    public func step() {
        for member in running where member.prefilled == nil && member.isCancelled() {
            member.state.cancel()
            leave(member)
        }
        running.removeAll { $0.pending.isEmpty }
        guard !running.isEmpty else { return }
        batch.removeAll(keepingCapacity: true)
        for member in running { batch.append((member.sequence, member.pending)) }
        do {
            try generator.session.evaluate(batch: batch, into: &logits)
        } catch {
            // `add` checked every input this could refuse; should it still fail, no generation can go on.
            for member in running { leave(member, failure: error) }
            running.removeAll()
            return
        }
        lastStepRows = running.reduce(0) { $0 + $1.pending.count }
        let now = Date(), maxContext = generator.session.maxContext, vocabulary = generator.session.model.config.vocabularySize
        batch.removeAll(keepingCapacity: true)   // its arrays are the members' pending ids: let go, so they are reused
        for (i, member) in running.enumerated() {
            if member.prefilled == nil { member.prefilled = now }
            do {
                if !member.state.isFinished,
                   let next = try logits.withUnsafeBufferPointer({ all in
                       try member.state.advance(logits: UnsafeBufferPointer(rebasing: all[i * vocabulary..<(i + 1) * vocabulary]),
                                                roomLeft: member.sequence.tokens.count < maxContext,
                                                isCancelled: member.isCancelled, onText: member.onText)
                   }) {
                    member.pending.removeAll(keepingCapacity: true)
                    member.pending.append(next)
                    continue
                }
                leave(member)
            } catch {
                leave(member, failure: error)
            }
        }
        running.removeAll { $0.pending.isEmpty }
    }

    /// Drops the cached tokens of idle sequences (after the adapter changed, they no longer hold).
    public func forgetCachedPrefixes() {
        precondition(running.isEmpty, "the adapter changed while generations were running")
        for sequence in idle { sequence.reset() }
    }

    /// Ends `member`: reports its result (or `failure`) and keeps its sequence for a later prompt
    /// (what it cached stays valid: a failed step appends nothing).
    private func leave(_ member: Member, failure: (any Error)? = nil) {
        if let failure { member.onFinish(.failure(failure)) } else { member.finish() }
        member.pending = []
        idle.append(member.sequence)
    }

    /// The idle sequence sharing the longest prefix with `promptIds` (a new one when none is idle).
    private func takeSequence(for promptIds: [Int]) -> LlamaSequence {
        guard !idle.isEmpty else { return generator.session.makeSequence() }
        let best = idle.indices.max { idle[$0].sharedPrefixLength(with: promptIds) < idle[$1].sharedPrefixLength(with: promptIds) }!
        return idle.remove(at: best)
    }
}
