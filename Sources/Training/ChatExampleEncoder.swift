import RagTuneModelFiles
import RagTuneTokenizers

/// A tokenized training example: the ids of the whole conversation and which of them are learned.
public struct EncodedExample: Sendable, Equatable {
    /// `[n]` token ids, ChatML-rendered and tokenized as inference does.
    public var ids: [Int]
    /// `[n]` true where the token is a learned one (an assistant reply and its `<|im_end|>`).
    public var trainable: [Bool]
    /// The conversation it came from.
    public var example: ChatExample
    /// Whether `cutoff_len` cut tokens off the end.
    public var truncated: Bool

    /// Next-token prediction over `ids`: n − 1 positions, counting where the predicted token is learned.
    public var sequence: TrainingSequence { TrainingSequence(nextTokenOf: ids, trainable: trainable) }

    /// Learned tokens after the first (the first is never predicted).
    public var countedTokens: Int { trainable.dropFirst().lazy.filter { $0 }.count }
}

/// Renders conversations with the model's ChatML template and tokenizes them so that training
/// sees exactly the tokens inference sees: every prompt part is tokenized as
/// `TextGenerator.promptIds(for:)` does (the messages so far rendered with the generation prompt
/// `<|im_start|>assistant\n`, special tokens parsed in the template only), and each assistant
/// reply is tokenized on its own, as plain text, followed by `<|im_end|>`, the token generation
/// stops at. By default only reply tokens
/// and their `<|im_end|>` are learned; `trainOnInputs` learns every token (axolotl's `train_on_inputs`).
public struct ChatExampleEncoder: Sendable {
    public let tokenizer: BPETokenizer
    public let template: ChatTemplate
    public let trainOnInputs: Bool
    /// Longest kept example in tokens; longer ones lose their end.
    public let cutoffLength: Int
    let endOfTurn: Int
    /// Ends a plain-text example, as documents are separated in pre-training (`<|endoftext|>`, else EOS).
    let endOfText: Int?

    /// What became of one example.
    public enum Outcome: Sendable, Equatable {
        case encoded(EncodedExample)
        /// Truncation to `cutoffLength` left no learned token.
        case tooLong(tokens: Int)
    }

    /// - Throws: `TrainingError.invalidJob` when the tokenizer has no `<|im_end|>` (not a ChatML model).
    public init(tokenizer: BPETokenizer, template: ChatTemplate, trainOnInputs: Bool, cutoffLength: Int) throws {
        guard let imEnd = tokenizer.imEndId else {
            throw TrainingError.invalidJob(key: "base_model", reason: "the tokenizer has no <|im_end|> token; "
                                           + "fine-tuning renders chats with ChatML")
        }
        self.tokenizer = tokenizer
        self.template = template
        self.trainOnInputs = trainOnInputs
        self.cutoffLength = cutoffLength
        endOfTurn = imEnd
        endOfText = tokenizer.endOfTextId ?? tokenizer.eosId
    }

    /// The chat template a GGUF model's inference uses (`TextGenerator`'s choice): its
    /// `tokenizer.chat_template` when that is ChatML, else SmolLM2's.
    public static func template(of gguf: GGUFFile) -> ChatTemplate {
        (try? gguf.string("tokenizer.chat_template")).flatMap { $0.flatMap(ChatTemplate.init(jinja:)) } ?? .smolLM2
    }

    /// The prompt inference builds for `messages`: identical to `TextGenerator.promptIds(for:)`.
    public func promptIds(for messages: [ChatMessage]) -> [Int] {
        tokenizer.encode(template.pieces(messages, addGenerationPrompt: true))
    }

    /// Tokens and loss mask of `example`, cut to `cutoffLength`. Messages after the last
    /// learned reply are dropped (nothing after them is predicted). A plain-text example is its
    /// text as plain tokens (special-token text in it stays text) and the end-of-text token, all learned.
    public func encode(_ example: ChatExample) -> Outcome {
        var ids: [Int] = [], trainable: [Bool] = []
        if let text = example.text {
            ids = tokenizer.encode(text, parseSpecial: false) + (endOfText.map { [$0] } ?? [])
            trainable = ids.map { _ in true }
        }
        let lastLearned = example.learned.lastIndex(of: true) ?? -1
        for (i, message) in example.messages.enumerated() where message.role == "assistant" && i <= lastLearned {
            let prompt = promptIds(for: Array(example.messages[..<i]))
            // The prompt re-renders the earlier turns; keep only what it agrees with (all of it
            // when BPE does not merge across a reply's start, as with ChatML's "\n" before it).
            let shared = zip(ids, prompt).prefix { $0 == $1 }.count
            ids.removeLast(ids.count - shared)
            trainable.removeLast(trainable.count - shared)
            ids += prompt[shared...]
            trainable += repeatElement(trainOnInputs, count: prompt.count - shared)
            let reply = tokenizer.encode(message.content, parseSpecial: false) + [endOfTurn]
            ids += reply
            trainable += repeatElement(trainOnInputs || example.learned[i], count: reply.count)
        }
        let total = ids.count
        let truncated = total > cutoffLength
        if truncated {
            ids.removeLast(total - cutoffLength)
            trainable.removeLast(total - cutoffLength)
        }
        let encoded = EncodedExample(ids: ids, trainable: trainable, example: example, truncated: truncated)
        guard ids.count >= 2, encoded.countedTokens > 0 else { return .tooLong(tokens: total) }
        return .encoded(encoded)
    }
}
