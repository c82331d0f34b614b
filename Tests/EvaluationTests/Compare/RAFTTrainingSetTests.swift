import Foundation
import Testing
import RagTuneRAG
@testable import RagTuneEvaluation

/// The raft adapter's data: each trained question in the extract reader's prompt over its ranked
/// evidence, with the oracle sentence shown or (RAFT's share) only the distractors.
@Suite struct RAFTTrainingSetTests {
    static let question = QATrainingSetTests.question
    static let ranked = ["The Vorn-2 lamp has nine wicks.", "The Vorn-3 lamp was built by Ode Sarr.",
                         "The Vorn-2 lamp was built by ama bel in Orrafen.", "Ama Bel was born in Orrafen."]

    @Test func theOracleIsShownInPlaceOfTheLastSentenceAndTheReplyCopiesItsWords() {
        let pair = Self.question("a", "Who built the Vorn-2 lamp?", "Ama Bel").pair
        let example = RAFTTrainingSet.example(pair, ranked: Self.ranked, shown: 2, withOracle: true)
        #expect(example.context == [Self.ranked[0], Self.ranked[2]] && example.reply == "ama bel" && example.showsOracle)
        // Ranked among the shown sentences, the oracle stays where retrieval put it.
        #expect(RAFTTrainingSet.example(pair, ranked: Self.ranked, shown: 3, withOracle: true).context == Array(Self.ranked.prefix(3)))
        // Without the oracle, only sentences without the answer, and the reply is still the answer.
        let distracted = RAFTTrainingSet.example(pair, ranked: Self.ranked, shown: 2, withOracle: false)
        #expect(distracted.context == [Self.ranked[0], Self.ranked[1]] && distracted.reply == "Ama Bel" && !distracted.showsOracle)
        // With nothing but the answer's sentences, the oracle is shown.
        #expect(RAFTTrainingSet.example(pair, ranked: [Self.ranked[2]], shown: 2, withOracle: false).showsOracle)
    }

    @Test func yesNoQuestionsAndMissedAnswersGiveNoExampleAndSomeQuestionsAreHeldOutWithTheirOracle() throws {
        var items = (0..<40).map { i in
            (question: Self.question("q\(i)", "Who built the Vorn-\(i) lamp?", "Maker \(i)"),
             ranked: ["The Vorn-\(i) lamp is red.", "The Vorn-\(i) lamp was built by Maker \(i).", "Maker \(i) lives in Orrafen."])
        }
        items.append((question: Self.question("yn", "Is the Vorn-1 lamp red?", "yes"), ranked: ["The Vorn-1 lamp is red. yes"]))
        items.append((question: Self.question("miss", "Who built the Kel lamp?", "Ode Sarr"), ranked: ["The Kel lamp is blue."]))
        let set = RAFTTrainingSet(items, shown: 2, seed: 7)
        #expect(set.skipped == 2 && set.train.count + set.heldOut.count == 40)
        #expect(set.heldOut.count == 6 && set.heldOut.allSatisfy(\.showsOracle))
        // About a fifth of the training examples show only distractors (RAFT's P = 0.8).
        #expect(set.withoutOracle > 0 && set.withoutOracle < set.train.count / 2)
        #expect(Set(set.train.map(\.question)).isDisjoint(with: set.heldOut.map(\.question)))
        // The same seed makes the same data.
        #expect(RAFTTrainingSet(items, shown: 2, seed: 7).train == set.train)
    }

    @Test func linesAreChatExamplesInTheExtractReadersPrompt() throws {
        let example = RAFTTrainingSet.Example(question: "Who built the Vorn-2 lamp?", context: ["A.", "B \"c\"."], reply: "Ama Bel", showsOracle: true)
        let lines = String(decoding: try RAFTTrainingSet.jsonl([example]), as: UTF8.self).split(separator: "\n")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(lines[0].utf8)) as? [String: [[String: String]]])
        let expected = ExtractiveReader.messages(context: "A. B \"c\".", question: "Who built the Vorn-2 lamp?") + [.assistant("Ama Bel")]
        #expect(lines.count == 1 && object["messages"]?.map { $0["content"] } == expected.map(\.content))
        #expect(object["messages"]?.map { $0["role"] } == ["system", "user", "assistant"])
    }
}
