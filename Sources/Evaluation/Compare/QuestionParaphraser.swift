import Foundation
import RagTuneRAG
import RagTuneTokenizers

/// The generator's own rewrites of a training question, for the paraphrase augmentation of the
/// lora-qa adapter (Allen-Zhu & Li: facts trained in one wording only are memorized but not
/// extractable by other questions). A rewrite is kept only when it still holds every name and
/// number of the question and does not give the answer away, so no example teaches a mangled
/// fact.
struct QuestionParaphraser {
    let generator: any AnswerGenerator
    /// Rewrites asked for per question.
    let count: Int
    var maxTokens = 80

    /// The conversation asking for the rewrites: an instruction and two solved examples about
    /// well-known things (without them, SmolLM2 answers the question instead of rewording it).
    func messages(_ question: String) -> [ChatMessage] {
        let examples = [
            ("Who painted the Mona Lisa?", ["Which artist painted the Mona Lisa?", "By whom was the Mona Lisa painted?"]),
            ("When did the Apollo 11 mission land?", ["In what year did the Apollo 11 mission land?", "When was the landing of the Apollo 11 mission?"]),
        ]
        let system = ChatMessage.system("You reword questions. Reply with \(count) rewording\(count == 1 ? "" : "s") of the user's question, "
                                        + "one per line, keeping every name and number. Never answer the question.")
        return [system] + examples.flatMap { question, rewrites in
            [ChatMessage.user(question), .assistant(rewrites.prefix(count).joined(separator: "\n"))]
        } + [.user(question)]
    }

    /// Up to `count` accepted rewrites of `question`.
    func rewrites(of question: String, answer: String) throws -> [String] {
        let reply = try generator.generate(messages(question), maxTokens: maxTokens) { _ in }
        return Self.accepted(LLMQueryExpander.queries(in: reply.text, question: question, limit: count * 3),
                             question: question, answer: answer, limit: count)
    }

    /// The candidates that are questions, keep the question's names and numbers and at least half
    /// of its other content words, add no number and are not much longer (at most 1.5 × its
    /// words + 2), ask the same kind of thing (a question word of the question's
    /// class: "Who is X?" is no rewording of "Where was X born?"), and do not hold the answer. A
    /// question without a question word (yes/no) gets none: a rewording could flip its answer.
    /// Bag-of-words checks cannot see a flipped relation ("Who trained under X?" for "Under whom
    /// did X train?"); the few such rewrites a small generator writes stay in the training data.
    static func accepted(_ candidates: [String], question: String, answer: String, limit: Int) -> [String] {
        guard let asked = questionWord(question), let allowed = sameKind[asked] else { return [] }
        let kept = protectedWords(question)
        let content = Set(words(question).filter { $0.count >= 4 && sameKind[$0] == nil })
        let answerText = answer.lowercased()
        return Array(candidates.filter { candidate in
            guard candidate.hasSuffix("?"), kept.allSatisfy(candidate.contains), !candidate.lowercased().contains(answerText) else { return false }
            let candidateWords = Set(words(candidate))
            let length = candidate.split(whereSeparator: \.isWhitespace).count, questionLength = question.split(whereSeparator: \.isWhitespace).count
            return candidateWords.contains(where: allowed.contains) && 2 * content.intersection(candidateWords).count >= content.count
                && numbers(candidate).isSubset(of: numbers(question)) && 2 * length <= 3 * questionLength + 4
        }.prefix(limit))
    }

    /// Question words, and those a rewording may use instead ("Which engineer…" for "Who…").
    static let sameKind: [String: Set<String>] = [
        "who": ["who", "whom", "whose", "which"], "whom": ["who", "whom", "which"], "whose": ["whose", "who", "which"],
        "where": ["where", "which"], "when": ["when", "what", "which"], "what": ["what", "which"], "which": ["which", "what", "who"],
        "how": ["how"], "why": ["why"],
    ]

    /// The first question word of `question`.
    static func questionWord(_ question: String) -> String? {
        words(question).first { sameKind[$0] != nil }
    }

    /// The digit runs of `text` ("Ravka-98 … 2013" → 98, 2013).
    private static func numbers(_ text: String) -> Set<String> {
        Set(text.split(whereSeparator: { !$0.isNumber }).map(String.init))
    }

    private static func words(_ text: String) -> [String] {
        text.lowercased().split(whereSeparator: { !$0.isLetter }).map(String.init)
    }

    /// Words a rewrite must keep: those with a digit, and capitalized words after the first.
    static func protectedWords(_ question: String) -> [String] {
        let words = question.split(whereSeparator: { $0.isWhitespace }).map {
            String($0).trimmingCharacters(in: .punctuationCharacters)
        }
        return words.enumerated().compactMap { i, word in
            guard !word.isEmpty else { return nil }
            if word.contains(where: \.isNumber) { return word }
            return i > 0 && word.first!.isUppercase ? word : nil
        }
    }
}
