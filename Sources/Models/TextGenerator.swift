import Foundation
import RagTuneModelFiles
import RagTuneTokenizers

/// A Llama-family chat model ready to generate: GGUF weights, its BPE tokenizer, the ChatML
/// template and one `LlamaSession`. Consecutive calls reuse the KV cache for the longest shared
/// prompt prefix (a multi-turn chat only runs the new turn), and prompts of other kinds taking
/// turns keep theirs (`LlamaSession.continueLongestPrefix(of:)`). One owner at a time.
public final class TextGenerator {
    public let model: LlamaModel
    public let tokenizer: BPETokenizer
    public let template: ChatTemplate
    public let session: LlamaSession

    /// What one generation produced.
    public struct Result: Sendable {
        /// The ids the model was given.
        public var promptIds: [Int]
        /// Generated ids, including the end-of-generation token when that is why it stopped.
        public var ids: [Int]
        /// Generated text, without the end token or a stop string.
        public var text: String
        public var stopReason: StopReason
        /// Seconds spent on the prompt (prefill) and on generating.
        public var promptSeconds: Double
        public var generateSeconds: Double
    }

    /// Loads a GGUF model with its tokenizer and chat template.
    /// - Parameter precision: the decode path (`.int8` by default; `.exact` for Float32, and then
    ///   the weights are not repacked for the int8 kernels: the session only runs Float32).
    public init(url: URL, threads: Int = 2, maxContext: Int? = nil, precision: DecodePrecision = .int8) throws {
        let gguf = try GGUFFile(url: url)
        model = try LlamaModel(gguf: gguf, int8Weights: precision == .int8)
        tokenizer = try BPETokenizer(gguf: gguf)
        template = (try? gguf.string("tokenizer.chat_template")).flatMap { $0.flatMap(ChatTemplate.init(jinja:)) }
            ?? .smolLM2
        session = LlamaSession(model: model, maxContext: maxContext, threads: threads, precision: precision)
    }

    /// The installed SmolLM2 (`ragtune models install smollm2`).
    public convenience init(directory: ModelDirectory = ModelDirectory(), threads: Int = 2,
                            precision: DecodePrecision = .int8) throws {
        try self.init(url: directory.file(ModelCatalog.smollm2.weightsFile, of: ModelCatalog.smollm2), threads: threads,
                      precision: precision)
    }

    /// Applies LoRA adapters unmerged on top of the base weights (nil: the base model), without
    /// reloading it; see `LlamaSession.setAdapter`.
    public func setAdapter(_ adapter: LoRAAdapter?) throws {
        try session.setAdapter(adapter)
    }

    /// Renders messages with the chat template (generation prompt added) and tokenizes them.
    public func promptIds(for messages: [ChatMessage]) -> [Int] {
        tokenizer.encode(template.pieces(messages, addGenerationPrompt: true))
    }

    /// Generates a reply to `messages`. See `generate(promptIds:…)`.
    public func chat(_ messages: [ChatMessage], sampling: SamplingParameters, stop: StopCondition,
                     onText: (String) -> Void = { _ in }) throws -> Result {
        try generate(promptIds: promptIds(for: messages), sampling: sampling, stop: stop, onText: onText)
    }

    /// Generates a continuation of `promptIds`, streaming text chunks to `onText` as soon as they
    /// are complete UTF-8 and cannot be part of a stop string. The model's end-of-generation ids
    /// (`<|im_end|>`, `<|endoftext|>`, …) always stop it, besides `stop`.
    /// - Parameter isCancelled: asked before each decode step; true ends generation at once
    ///   (`StopReason.cancelled`), e.g. when a streaming client has gone.
    public func generate(promptIds: [Int], sampling: SamplingParameters, stop: StopCondition,
                         onText: (String) -> Void = { _ in },
                         isCancelled: () -> Bool = { false }) throws -> Result {
        var state = try GenerationState(promptIds: promptIds, sampling: sampling, stop: stop, tokenizer: tokenizer)
        let start = Date()
        var logits = try evaluatePrompt(promptIds)
        let prefilled = Date()
        while !state.isFinished,
              let next = try logits.withUnsafeBufferPointer({
                  try state.advance(logits: $0, roomLeft: session.tokens.count < session.maxContext,
                                    isCancelled: isCancelled, onText: onText)
              }) {
            try session.evaluateNext(next, into: &logits)
        }
        return state.result(promptSeconds: prefilled.timeIntervalSince(start),
                            generateSeconds: Date().timeIntervalSince(prefilled))
    }

    /// The logits of the token after `ids` (`[vocabularySize]`), reusing cached positions that
    /// already hold the same leading ids, so prompts sharing a prefix only run their new part.
    /// Computed on the exact path whatever the session's precision (`exactly`).
    public func nextTokenLogits(_ ids: [Int]) throws -> [Float] {
        try exactly { try evaluatePrompt(ids) }
    }

    /// `body` with the session on the exact path, then its own precision again. Scores that decide
    /// something (rerank, yes/no, which span to extract) go through here, so a prompt scores the
    /// same whether its prefix was cached or not: on the int8 path, a prefix computed with another
    /// grouping of tokens moves later activations across int8 rounding steps (P(yes) by 0.004 in
    /// `LLMRelevanceRerankerTests`), while Float32 sums differ by rounding only.
    func exactly<R>(_ body: () throws -> R) rethrows -> R {
        let saved = session.precision
        session.precision = .exact
        defer { session.precision = saved }
        return try body()
    }

    /// Runs the prompt, reusing cached positions that already hold the same ids. - Returns: last logits
    private func evaluatePrompt(_ ids: [Int]) throws -> [Float] {
        guard !ids.isEmpty else { throw ModelError.invalidInput("empty prompt") }
        return try session.evaluate(Array(session.continueLongestPrefix(of: ids)))[0]
    }
}
