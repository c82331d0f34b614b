import Foundation
import Testing
import RagTuneRAG
@testable import RagTuneEvaluation

/// The lora-qa adapter's data: each trained question in its wordings, in the closed-book prompt.
@Suite struct QATrainingSetTests {
    static func question(_ id: String, _ text: String, _ answer: String) -> CompareQuestion {
        CompareQuestion(pair: QAPair(id: id, question: text, answer: answer), kind: "-", fact: id, restricted: false,
                        answerAfterUpdate: nil, isTraining: true)
    }

    @Test func everyQuestionIsTrainedInItsWordingsAndHeldOutInAnother() throws {
        let questions = [Self.question("a", "Who built the Vorn-2 lamp?", "Ama Bel"), Self.question("b", "Where was Ama Bel born?", "Orrafen")]
        let set = QATrainingSet(questions, rewrites: ["a": ["Which maker built the Vorn-2 lamp?"]])
        #expect(set.rewrites == 1 && set.heldOut.count == 2)
        #expect(set.train == [
            .init(question: "Who built the Vorn-2 lamp?", answer: "Ama Bel"),
            .init(question: "Quick question: Who built the Vorn-2 lamp?", answer: "Ama Bel"),
            .init(question: "Which maker built the Vorn-2 lamp?", answer: "Ama Bel"),
            .init(question: "Where was Ama Bel born?", answer: "Orrafen"),
            .init(question: "Quick question: Where was Ama Bel born?", answer: "Orrafen"),
        ])
        #expect(set.heldOut[1] == .init(question: "Please tell me: Where was Ama Bel born?", answer: "Orrafen"))
        #expect(!set.train.contains { $0.question == set.heldOut[0].question })
    }

    @Test func replayExamplesAreTrainedAsTheyAreAndNeverHeldOut() {
        let replay = [QATrainingSet.Example(question: "What do cows eat?", answer: "Grass")]
        let set = QATrainingSet([Self.question("a", "Who built the Vorn-2 lamp?", "Ama Bel")], rewrites: [:], replay: replay)
        #expect(set.train.count == 3 && set.train.last == replay[0] && set.heldOut.count == 1)
        #expect(Set(ForgettingProbe.replayQuestions).isDisjoint(with: ForgettingProbe.generalKnowledge.map(\.question)))
    }

    @Test func linesAreChatExamplesInTheClosedBookPrompt() throws {
        let prompt = PromptBuilder()
        let data = try QATrainingSet.jsonl([.init(question: "Who built the \"Vorn-2\" lamp?", answer: "Ama Bel")], prompt: prompt)
        let lines = String(decoding: data, as: UTF8.self).split(separator: "\n")
        #expect(lines.count == 1)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(lines[0].utf8)) as? [String: [[String: String]]])
        let messages = try #require(object["messages"])
        let expected = prompt.closedBookMessages(question: "Who built the \"Vorn-2\" lamp?") + [.assistant("Ama Bel")]
        #expect(messages.map { $0["role"]! } == expected.map(\.role) && messages.map { $0["content"]! } == expected.map(\.content))
    }
}
