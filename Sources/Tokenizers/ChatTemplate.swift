import Foundation

/// Renders a conversation as ChatML text, exactly as SmolLM2's GGUF Jinja template does:
/// a default system message first when the conversation does not start with one, each message as
/// `<|im_start|>{role}\n{content}<|im_end|>\n`, and `<|im_start|>assistant\n` as generation prompt.
/// No BOS is written. Tokenize the result with special-token parsing on.
public struct ChatTemplate: Sendable, Equatable {
    /// System message put first when the first message is not a system message (nil: none).
    public var defaultSystemPrompt: String?

    /// SmolLM2-Instruct's template.
    public static let smolLM2 = ChatTemplate(
        defaultSystemPrompt: "You are a helpful AI assistant named SmolLM, trained by Hugging Face")

    /// A ChatML template that puts `defaultSystemPrompt` first when a conversation lacks a system message.
    public init(defaultSystemPrompt: String?) {
        self.defaultSystemPrompt = defaultSystemPrompt
    }

    /// Recognizes a ChatML Jinja template such as a GGUF file's `tokenizer.chat_template`.
    ///
    /// A heuristic, not a Jinja interpreter: the template must use `<|im_start|>` and `<|im_end|>`;
    /// the default system prompt is the first literal `<|im_start|>system\n…<|im_end|>` in it
    /// (SmolLM2 and Qwen2 templates write one), or none.
    /// - Returns: nil when the template is not ChatML.
    public init?(jinja: String) {
        guard jinja.contains("<|im_start|>"), jinja.contains("<|im_end|>") else { return nil }
        defaultSystemPrompt = nil
        for opener in ["<|im_start|>system\n", "<|im_start|>system\\n"] {
            guard let start = jinja.range(of: opener),
                  let end = jinja.range(of: "<|im_end|>", range: start.upperBound..<jinja.endIndex) else { continue }
            let prompt = jinja[start.upperBound..<end.lowerBound]
            if !prompt.isEmpty && !prompt.contains(where: { "'\"{}+".contains($0) }) {
                defaultSystemPrompt = String(prompt)
                break
            }
        }
    }

    /// One piece of a rendered conversation.
    public enum Piece: Sendable, Equatable {
        /// A control token the template writes (`<|im_start|>`, `<|im_end|>`).
        case control(String)
        /// Text: roles, newlines and message contents, tokenized as plain text.
        case text(String)

        var string: String {
            switch self {
            case .control(let s), .text(let s): return s
            }
        }
    }

    /// The prompt text for `messages` (for display; tokenize `pieces` instead).
    /// - Parameter addGenerationPrompt: whether to end with `<|im_start|>assistant\n` so the model
    ///   writes the next assistant turn.
    public func render(_ messages: [ChatMessage], addGenerationPrompt: Bool = true) -> String {
        pieces(messages, addGenerationPrompt: addGenerationPrompt).map(\.string).joined()
    }

    /// The prompt for `messages` as control tokens and text, adjacent text merged.
    public func pieces(_ messages: [ChatMessage], addGenerationPrompt: Bool = true) -> [Piece] {
        var pieces: [Piece] = []
        func text(_ s: String) {
            if case .text(let last)? = pieces.last { pieces[pieces.count - 1] = .text(last + s) } else { pieces.append(.text(s)) }
        }
        func append(_ message: ChatMessage) {
            pieces.append(.control("<|im_start|>"))
            text(message.role + "\n" + message.content)
            pieces.append(.control("<|im_end|>"))
            text("\n")
        }
        if let defaultSystemPrompt, let first = messages.first, first.role != "system" {
            append(.system(defaultSystemPrompt))
        }
        for message in messages { append(message) }
        if addGenerationPrompt {
            pieces.append(.control("<|im_start|>"))
            text("assistant\n")
        }
        return pieces
    }
}
