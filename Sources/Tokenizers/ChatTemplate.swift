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

    /// The prompt text for `messages`.
    /// - Parameter addGenerationPrompt: whether to end with `<|im_start|>assistant\n` so the model
    ///   writes the next assistant turn.
    public func render(_ messages: [ChatMessage], addGenerationPrompt: Bool = true) -> String {
        var text = ""
        if let defaultSystemPrompt, let first = messages.first, first.role != "system" {
            append(.system(defaultSystemPrompt), to: &text)
        }
        for message in messages { append(message, to: &text) }
        if addGenerationPrompt { text += "<|im_start|>assistant\n" }
        return text
    }

    private func append(_ message: ChatMessage, to text: inout String) {
        text += "<|im_start|>"
        text += message.role
        text += "\n"
        text += message.content
        text += "<|im_end|>\n"
    }
}
