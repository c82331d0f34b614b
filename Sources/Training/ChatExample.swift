import Foundation
import RagTuneTokenizers

/// One training conversation from a JSONL line, in OpenAI's fine-tuning chat format
/// (`{"messages": [{"role", "content", "weight"?}, …]}`) or as `{"prompt", "completion"}`
/// (one user turn and one assistant reply); or plain text, `{"text": "…"}` (axolotl's `completion`
/// type: continued pre-training on documents, every token learned, no chat template). Other keys
/// on the line (ids, metadata) are ignored.
public struct ChatExample: Sendable, Equatable {
    public var messages: [ChatMessage]
    /// The text of a plain-text example (then `messages` is empty).
    public var text: String?
    /// Per message: whether an assistant reply is learned (OpenAI's `weight`: 0 or 1, default 1).
    public var learned: [Bool]
    /// 1-based line in its file.
    public var line: Int

    public init(messages: [ChatMessage], learned: [Bool]? = nil, line: Int = 0) {
        self.messages = messages
        self.learned = learned ?? messages.map { $0.role == "assistant" }
        self.line = line
    }

    /// A plain-text example.
    public init(text: String, line: Int = 0) {
        self.init(messages: [], line: line)
        self.text = text
    }

    /// The messages before the last assistant reply (the prompt of a held-out sample) and that reply.
    public var lastExchange: (prompt: [ChatMessage], reply: String)? {
        guard let last = messages.lastIndex(where: { $0.role == "assistant" }) else { return nil }
        return (Array(messages[..<last]), messages[last].content)
    }

    /// Parses one JSONL line.
    /// - Returns: nil for a blank line
    /// - Throws: `TrainingError.invalidExample` naming `file`, the line and the field: invalid
    ///   UTF-8 or JSON, a missing `messages` (or `prompt`/`completion`, or `text`), an empty `text`, a role other than
    ///   system/user/assistant, a system message after the first, a conversation that does not
    ///   open with a user turn, no assistant reply, an empty reply, a `weight` other than 0 or 1.
    public static func parse(_ bytes: Data, file: String, line: Int) throws -> ChatExample? {
        func fail(_ field: String, _ reason: String) -> TrainingError {
            .invalidExample(file: file, line: line, field: field, reason: reason)
        }
        guard let text = String(data: bytes, encoding: .utf8) else { throw fail("line", "not valid UTF-8") }
        if text.allSatisfy(\.isWhitespace) { return nil }
        guard let parsed = try? JSONSerialization.jsonObject(with: Data(text.utf8), options: [.fragmentsAllowed]) else {
            throw fail("line", "invalid JSON")
        }
        guard let object = parsed as? [String: Any] else { throw fail("line", "expected a JSON object") }
        if object["messages"] == nil, object["prompt"] != nil || object["completion"] != nil {
            guard let prompt = object["prompt"] as? String else { throw fail("prompt", "missing or not a string") }
            guard let completion = object["completion"] as? String else { throw fail("completion", "missing or not a string") }
            guard !completion.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
                throw fail("completion", "empty completion: nothing to learn")
            }
            return ChatExample(messages: [.user(prompt), .assistant(completion)], line: line)
        }
        if object["messages"] == nil, let raw = object["text"] {
            guard let text = raw as? String else { throw fail("text", "not a string") }
            guard !text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else { throw fail("text", "empty text: nothing to learn") }
            return ChatExample(text: text, line: line)
        }
        guard let rawMessages = object["messages"] else {
            throw fail("messages", "missing (give \"messages\", \"prompt\" and \"completion\", or \"text\")")
        }
        guard let list = rawMessages as? [Any], !list.isEmpty else { throw fail("messages", "must be a non-empty array") }
        var messages: [ChatMessage] = [], learned: [Bool] = []
        for (i, raw) in list.enumerated() {
            let field = "messages[\(i)]"
            guard let message = raw as? [String: Any] else { throw fail(field, "must be an object with role and content") }
            guard let role = message["role"] as? String else { throw fail(field + ".role", "missing or not a string") }
            guard ["system", "user", "assistant"].contains(role) else {
                throw fail(field + ".role", "unknown role '\(role)'; use system, user or assistant")
            }
            if role == "system" && i > 0 { throw fail(field + ".role", "a system message may only come first") }
            if role != "system" && messages.allSatisfy({ $0.role == "system" }) && role != "user" {
                throw fail(field + ".role", "the conversation must open with a user message, not \(role)")
            }
            guard let content = message["content"] as? String else {
                throw fail(field + ".content", "missing or not a string")
            }
            var learn = role == "assistant"
            if let weight = message["weight"] {
                guard role == "assistant", let number = weight as? NSNumber, number == 0 || number == 1 else {
                    throw fail(field + ".weight", "must be 0 or 1, on assistant messages only")
                }
                learn = number == 1
            }
            if role == "assistant" && content.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
                throw fail(field + ".content", "empty assistant reply: nothing to learn")
            }
            messages.append(ChatMessage(role: role, content: content))
            learned.append(learn)
        }
        guard learned.contains(true) else {
            throw fail("messages", messages.contains { $0.role == "assistant" }
                       ? "every assistant message has weight 0: nothing to learn" : "no assistant message to learn from")
        }
        return ChatExample(messages: messages, learned: learned, line: line)
    }
}
