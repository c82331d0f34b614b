import Foundation
import RagTuneTokenizers

/// One generation's bookkeeping between decode steps: the sampler, stop detection and the text
/// decoded so far, advanced one sampled token at a time. `TextGenerator.generate` runs one;
/// `BatchedGenerator` runs one per sequence of its batch.
struct GenerationState {
    let promptIds: [Int]
    /// The stop condition with the model's end-of-generation ids added.
    let condition: StopCondition
    /// Generated ids, including the end token when that is why it stopped.
    private(set) var ids: [Int] = []
    private(set) var cancelled = false
    private var sampler: Sampler
    private var detector: StopDetector
    private var decoder: TokenStreamDecoder

    /// - Throws: `ModelError.invalidInput` for bad sampling parameters or stop condition.
    init(promptIds: [Int], sampling: SamplingParameters, stop: StopCondition, tokenizer: BPETokenizer) throws {
        self.promptIds = promptIds
        sampler = try Sampler(parameters: sampling)
        var condition = stop
        condition.stopTokenIds.formUnion(tokenizer.endOfGenerationIds)
        try condition.validate()
        self.condition = condition
        detector = StopDetector(condition: condition)
        decoder = TokenStreamDecoder(tokenizer: tokenizer)
        sampler.accept(contentsOf: promptIds)
    }

    /// Whether generation has ended (a stop, `maxTokens` — also 0 before the first token — or a cancel).
    var isFinished: Bool { detector.isStopped || cancelled }

    /// Samples the token after `logits`, streams the text it completes to `onText`, and says
    /// whether generation goes on.
    /// - Parameters:
    ///   - roomLeft: whether the context can hold the sampled token; if not, generation ends
    ///     after releasing the text still held back.
    ///   - isCancelled: asked once the token is in; true ends generation (`StopReason.cancelled`).
    /// - Returns: the token to evaluate next, or nil when generation has ended.
    mutating func advance(logits: UnsafeBufferPointer<Float>, roomLeft: Bool, isCancelled: () -> Bool,
                          onText: (String) -> Void) throws -> Int? {
        let next = try sampler.sample(logits: logits)
        ids.append(next)
        sampler.accept(next)
        let chunk = detector.feed(token: next, text: condition.stopTokenIds.contains(next) ? "" : decoder.append(next))
        if !chunk.isEmpty { onText(chunk) }
        if detector.isStopped { return nil }
        if isCancelled() {
            cancelled = true
            return nil
        }
        guard roomLeft else {
            // Context full: release what the decoder and detector still hold, and stop.
            let rest = detector.feed(text: decoder.finish()) + detector.finish()
            if !rest.isEmpty { onText(rest) }
            return nil
        }
        return next
    }

    /// Marks the generation cancelled before its next token.
    mutating func cancel() { cancelled = true }

    /// What was generated, with the time spent on the prompt and after it.
    func result(promptSeconds: Double, generateSeconds: Double) -> TextGenerator.Result {
        TextGenerator.Result(promptIds: promptIds, ids: ids, text: detector.text,
                             stopReason: cancelled ? .cancelled : detector.reason ?? .maxTokens,
                             promptSeconds: promptSeconds, generateSeconds: generateSeconds)
    }
}
