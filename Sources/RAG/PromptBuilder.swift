import RagTuneTokenizers

/// The ChatML conversation a RAG answer is generated from: a system message with the rules
/// (answer from the numbered sources only, cite them as [n], say "not found in the sources"
/// otherwise), worked demonstrations of the answer format as earlier turns, and a user message
/// with the sources and the question.
///
/// Every strategy gets the same answer format and the same demonstrations (closed-book without
/// their sources), so a comparison between strategies measures what the sources add, not how
/// well each prompt explains the format.
public struct PromptBuilder: Sendable {
    /// The reply the model is told to give, and RagTune gives, when the sources lack the answer.
    public static let notFound = "Not found in the sources."

    /// How long answers should be.
    public enum AnswerStyle: String, Sendable, CaseIterable {
        /// "Yes"/"No" or the few words that answer, as in extractive QA; generation stops at the
        /// end of the first line. Small models answer far more accurately this way.
        case short
        /// As `short`, but a RAG answer other than yes/no is copied verbatim from one source
        /// (decoding constrained to runs of source text, cited to that source); closed-book
        /// answers as `short`.
        case span
        /// A sentence or two in the model's own words.
        case sentence
        /// As `short`, but a RAG answer other than yes/no is a span of the best evidence sentence,
        /// chosen by the decoder's likelihood and the sentence's relevance (`ExtractiveReader`),
        /// cited to its source; closed-book answers as `short`.
        case extract

        /// Yes/No or a few words (`short`, `span`, `extract`).
        public var isShort: Bool { self != .sentence }
    }

    /// One worked example of the answer format: a question, the passage that answers it, and the answer.
    public struct Demonstration: Sendable, Equatable {
        public var title: String
        public var passage: String
        public var question: String
        /// The answer without its citation (the RAG prompt adds "[1]").
        public var answer: String

        public init(title: String, passage: String, question: String, answer: String) {
            self.title = title
            self.passage = passage
            self.question = question
            self.answer = answer
        }
    }

    public var answerStyle: AnswerStyle
    /// Shown before the question as earlier user/assistant turns; by default a phrase answer and
    /// two yes/no answers in the `.short` and `.span` styles, none in the `.sentence` style.
    public var demonstrations: [Demonstration]

    /// - Parameter answerStyle: default `.short`; `.span` scores higher on the mini-wiki dev
    ///   questions but can only refuse by copying the refusal sentence, which SmolLM2 rarely does.
    public init(answerStyle: AnswerStyle = .short) {
        self.answerStyle = answerStyle
        demonstrations = answerStyle.isShort ? Self.shortDemonstrations : []
    }

    /// Invented facts, so the demonstrations teach the format without leaking any real answer.
    public static let shortDemonstrations = [
        Demonstration(title: "Lake Varnholm",
                      passage: "Lake Varnholm is a glacial lake in northern Norland. The town of Essby on its eastern "
                          + "shore was founded by fishermen in 1422.",
                      question: "Who founded Essby?", answer: "Fishermen"),
        Demonstration(title: "Lake Varnholm",
                      passage: "Lake Varnholm is a glacial lake in northern Norland. It freezes over every winter.",
                      question: "Is Lake Varnholm in southern Norland?", answer: "No"),
        Demonstration(title: "Lake Varnholm",
                      passage: "Lake Varnholm is a glacial lake in northern Norland. It freezes over every winter.",
                      question: "Does Lake Varnholm freeze in winter?", answer: "Yes"),
    ]

    /// Where generation stops for this style (nothing extra for `.sentence`).
    public var stopStrings: [String] { answerStyle.isShort ? ["\n"] : [] }

    private var formatRule: String {
        switch answerStyle {
        case .short, .span, .extract: return "Reply with Yes or No for a yes/no question; otherwise reply with only the few words that answer it."
        case .sentence: return "Keep the answer short."
        }
    }

    /// The rules of RAG answers.
    public var systemPrompt: String {
        "Answer the question using only the numbered sources. \(formatRule) Cite the source you use as [n], "
            + "for example [1]. If the sources do not contain the answer, reply: \(PromptBuilder.notFound)"
    }

    /// The instruction of the strategies without sources.
    public var closedBookSystemPrompt: String { "Answer the question. \(formatRule)" }

    /// How one source appears in the prompt.
    public func render(_ source: SourcePassage) -> String {
        render(number: source.number, title: source.chunk.documentTitle, text: source.shownText)
    }

    private func render(number: Int, title: String, text: String) -> String {
        "[\(number)] \(title.isEmpty ? "" : "(\(title)) ")\(text)"
    }

    private func userMessage(question: String, context: String) -> String {
        "Sources:\n\(context)\n\nQuestion: \(question)"
    }

    /// The messages for `question` over `sources`.
    public func messages(question: String, sources: [SourcePassage]) -> [ChatMessage] {
        let shown = demonstrations.flatMap { demo in
            [ChatMessage.user(userMessage(question: demo.question, context: render(number: 1, title: demo.title, text: demo.passage))),
             .assistant("\(demo.answer) [1]")]
        }
        let context = sources.map(render).joined(separator: "\n\n")
        return [.system(systemPrompt)] + shown + [.user(userMessage(question: question, context: context))]
    }

    /// The messages for answering without sources (closed-book): the same rules and demonstrations.
    public func closedBookMessages(question: String) -> [ChatMessage] {
        fewShotMessages(question: question, examples: [])
    }

    /// Closed-book with solved examples from the user's data after the format demonstrations, as
    /// earlier user/assistant turns (few-shot).
    public func fewShotMessages(question: String, examples: [(question: String, answer: String)]) -> [ChatMessage] {
        let solved = demonstrations.map { ($0.question, $0.answer) } + examples
        return [.system(closedBookSystemPrompt)] + solved.flatMap { [ChatMessage.user($0.0), .assistant($0.1)] }
            + [.user(question)]
    }
}
