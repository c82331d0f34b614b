import RagTuneTokenizers

/// The ChatML conversation a RAG answer is generated from: a system message with the rules
/// (answer from the numbered sources only, cite them as [n], say "not found in the sources"
/// otherwise) and a user message with the sources and the question.
public struct PromptBuilder: Sendable {
    /// The reply the model is told to give, and RagTune gives, when the sources lack the answer.
    public static let notFound = "Not found in the sources."

    public var systemPrompt = """
        Answer the question using only the numbered sources. Cite each source you use as [n], \
        for example [1]. Keep the answer short. If the sources do not contain the answer, reply: \
        \(PromptBuilder.notFound)
        """

    public init() {}

    /// How one source appears in the prompt.
    public func render(_ source: SourcePassage) -> String {
        let title = source.chunk.documentTitle.isEmpty ? "" : "(\(source.chunk.documentTitle)) "
        return "[\(source.number)] \(title)\(source.chunk.chunk.text)"
    }

    /// The messages for `question` over `sources`.
    public func messages(question: String, sources: [SourcePassage]) -> [ChatMessage] {
        let context = sources.map(render).joined(separator: "\n\n")
        return [.system(systemPrompt), .user("Sources:\n\(context)\n\nQuestion: \(question)")]
    }

    /// The instruction of the strategies without sources.
    public var closedBookSystemPrompt = "Answer the question. Keep the answer short."

    /// The messages for answering without sources (closed-book).
    public func closedBookMessages(question: String) -> [ChatMessage] {
        [.system(closedBookSystemPrompt), .user(question)]
    }

    /// Closed-book with worked examples first, as earlier user/assistant turns (few-shot).
    public func fewShotMessages(question: String, examples: [(question: String, answer: String)]) -> [ChatMessage] {
        [.system(closedBookSystemPrompt)] + examples.flatMap { [ChatMessage.user($0.question), .assistant($0.answer)] }
            + [.user(question)]
    }
}
