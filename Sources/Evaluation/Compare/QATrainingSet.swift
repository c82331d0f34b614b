import Foundation
import RagTuneRAG
import RagTuneTokenizers

/// The training data of the lora-qa adapter: every trained question (`CompareQuestions.trained`)
/// in its own wording, a template wording and the generator's rewrites, each answered in the
/// closed-book prompt the arm answers in; and a held-out wording of each (another template), whose
/// loss picks the epochs; plus replay examples (general questions with the base model's own
/// answers). No probe question (paraphrase or reversal) and no evaluation question
/// is ever among them.
struct QATrainingSet {
    /// One chat example: the question in one wording and its gold answer.
    struct Example: Equatable {
        var question, answer: String
    }

    /// Wordings trained on besides the question itself and the generator's rewrites.
    static let trainingTemplates = ["Quick question: %@"]
    /// The held-out wording.
    static let heldOutTemplate = "Please tell me: %@"

    var train: [Example]
    var heldOut: [Example]
    /// Rewrites by the generator that were kept.
    var rewrites: Int

    /// - Parameters:
    ///   - rewrites: the generator's accepted rewrites, by question id.
    ///   - replay: general questions with the base model's own answers, trained on as they are
    ///     (`ForgettingProbe.replayQuestions`), so the adapter does not answer everything with the
    ///     invented facts.
    init(_ questions: [CompareQuestion], rewrites: [String: [String]], replay: [Example] = []) {
        train = []
        heldOut = []
        self.rewrites = 0
        for question in questions {
            let (asked, answer) = (question.pair.question, question.pair.answer)
            let own = rewrites[question.pair.id] ?? []
            self.rewrites += own.count
            let wordings = [asked] + Self.trainingTemplates.map { String(format: $0, asked) } + own
            train += wordings.map { Example(question: $0, answer: answer) }
            heldOut.append(Example(question: String(format: Self.heldOutTemplate, asked), answer: answer))
        }
        train += replay
    }

    /// The examples as `ragtune finetune` data lines (`{"messages": [system, user, assistant]}`),
    /// in the closed-book prompt of `prompt`.
    static func jsonl(_ examples: [Example], prompt: PromptBuilder) throws -> Data {
        try chatJSONL(examples.map { prompt.closedBookMessages(question: $0.question) + [.assistant($0.answer)] })
    }
}

/// Conversations as `ragtune finetune` data lines (`{"messages": [{"role", "content"}, …]}`).
func chatJSONL(_ conversations: [[ChatMessage]]) throws -> Data {
    var data = Data()
    for messages in conversations {
        let line: [String: Any] = ["messages": messages.map { ["role": $0.role, "content": $0.content] }]
        data += try JSONSerialization.data(withJSONObject: line, options: [.sortedKeys, .withoutEscapingSlashes])
        data += Data("\n".utf8)
    }
    return data
}
