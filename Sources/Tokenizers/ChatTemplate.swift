/// One turn of a conversation.
public struct ChatMessage: Sendable, Equatable, Codable {
    /// `system`, `user` or `assistant`.
    public var role: String
    public var content: String

    public init(role: String, content: String) {
        self.role = role
        self.content = content
    }

    public static func system(_ content: String) -> ChatMessage { ChatMessage(role: "system", content: content) }
    public static func user(_ content: String) -> ChatMessage { ChatMessage(role: "user", content: content) }
    public static func assistant(_ content: String) -> ChatMessage { ChatMessage(role: "assistant", content: content) }
}

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

    public init(defaultSystemPrompt: String?) {
        self.defaultSystemPrompt = defaultSystemPrompt
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
