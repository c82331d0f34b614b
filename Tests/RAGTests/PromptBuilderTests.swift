import Testing
import RagTuneStorage
@testable import RagTuneRAG

@Suite struct PromptBuilderTests {
    @Test func sourcesAreNumberedWithTitlesBeforeTheQuestion() {
        var builder = PromptBuilder(answerStyle: .sentence)
        #expect(builder.demonstrations.isEmpty && builder.stopStrings.isEmpty)
        let messages = builder.messages(question: "Who made honey?",
                                        sources: [passage(1, "Bees make honey.", title: "Bees"), passage(2, "Ants farm.")])
        #expect(messages.map(\.role) == ["system", "user"])
        #expect(messages[0].content.contains("[n]") && messages[0].content.hasSuffix(PromptBuilder.notFound))
        #expect(messages[1].content == "Sources:\n[1] (Bees) Bees make honey.\n\n[2] Ants farm.\n\nQuestion: Who made honey?")
        builder.demonstrations = []
        var excerpted = passage(1, "Bees make honey. Bees sting.", title: "Bees")
        excerpted.excerpt = "Bees sting."
        #expect(builder.render(excerpted) == "[1] (Bees) Bees sting.")
    }

    @Test func shortAnswersAreDemonstratedWithCitationsAndStopAtTheLineEnd() {
        let builder = PromptBuilder()
        #expect(builder.answerStyle == .short && builder.stopStrings == ["\n"])
        #expect(PromptBuilder(answerStyle: .span).demonstrations == builder.demonstrations)
        let messages = builder.messages(question: "Who made honey?", sources: [passage(1, "Bees make honey.")])
        let demos = PromptBuilder.shortDemonstrations
        #expect(messages.map(\.role) == ["system"] + Array(repeating: ["user", "assistant"], count: demos.count).flatMap { $0 } + ["user"])
        #expect(messages[1].content == "Sources:\n[1] (\(demos[0].title)) \(demos[0].passage)\n\nQuestion: \(demos[0].question)")
        #expect(messages[2].content == "\(demos[0].answer) [1]")
        #expect(messages.last?.content == "Sources:\n[1] Bees make honey.\n\nQuestion: Who made honey?")
        #expect(Set(demos.map(\.answer)).isSuperset(of: ["Yes", "No"]))
    }

    @Test func closedBookGetsTheSameRulesAndDemonstrationsWithoutSources() {
        let builder = PromptBuilder()
        let closed = builder.closedBookMessages(question: "Who made honey?")
        #expect(closed[0].content == builder.closedBookSystemPrompt && !closed[0].content.contains("[n]"))
        #expect(closed[1].content == PromptBuilder.shortDemonstrations[0].question)
        #expect(closed[2].content == PromptBuilder.shortDemonstrations[0].answer)
        #expect(closed.count == 2 + 2 * PromptBuilder.shortDemonstrations.count && closed.last?.content == "Who made honey?")
        let few = builder.fewShotMessages(question: "Q?", examples: [("Solved?", "Yes")])
        #expect(few.count == closed.count + 2 && few[few.count - 3].content == "Solved?" && few[few.count - 2].content == "Yes")
    }
}

@Suite struct ContextCompressorTests {
    /// Embeds by keyword: the question and every sentence about bees point one way, others elsewhere.
    private func embed(_ texts: [String]) -> [[Float]] {
        texts.map { text in
            let bees: Float = text.lowercased().contains("bee") ? 1 : 0
            let honey: Float = text.lowercased().contains("honey") ? 1 : 0
            return [bees, honey, 0.1]
        }
    }

    @Test func keepsTheMostSimilarSentencesInOrderAndRenumbers() throws {
        let sources = [
            passage(1, "Comets have tails. Comets are icy."),
            passage(2, "Ants farm fungus. Bees make honey. Honey is sweet. Wasps sting."),
            passage(3, "Bees dance to talk."),
        ]
        let question = embed(["bees honey"])[0]
        let kept = try ContextCompressor(maxSentences: 3).compress(sources, question: question, embed: embed)
        #expect(kept.map(\.number) == [1, 2] && kept.map(\.chunk.id) == [2, 3])
        #expect(kept[0].excerpt == "… Bees make honey. Honey is sweet." && kept[1].excerpt == "Bees dance to talk.")
        #expect(ContextCompressor.join(["a.", "b.", "c.", "d."], keeping: [0, 2, 3]) == "a. … c. d.")
        let all = try ContextCompressor(maxSentences: 10).compress(sources, question: question, embed: embed)
        #expect(all.map(\.number) == [1, 2, 3] && all.allSatisfy { $0.excerpt == nil })
    }
}

@Suite struct ContextPackerTests {
    private let candidates: [(chunk: StoredChunk, score: Float, similarity: Float?)] = [
        (storedChunk(1, document: "a", text: "Bees make honey from nectar."), 3, 0.2),
        (storedChunk(2, document: "b", text: "Bees make honey from nectar!"), 2, 0.9),   // duplicate of 1
        (storedChunk(3, document: "c", text: "Bees make honey from flower nectar in hives."), 1.5, 0.8),
        (storedChunk(4, document: "d", text: "Comets have icy tails."), 1, 0.1),
    ]

    @Test func keepsRetrieverOrderDropsDuplicatesAndRespectsBudgetAndCount() {
        let words: (StoredChunk) -> Int = { $0.chunk.text.split(separator: " ").count }
        let packed = ContextPacker().pack(candidates, tokenBudget: 100, tokens: words)
        #expect(packed.map(\.chunk.id) == [1, 3, 4] && packed.map(\.number) == [1, 2, 3])
        #expect(ContextPacker(maxSources: 2).pack(candidates, tokenBudget: 100, tokens: words).map(\.chunk.id) == [1, 3])
        #expect(ContextPacker().pack(candidates, tokenBudget: 9, tokens: words).map(\.chunk.id) == [1, 4])
    }

    @Test func mmrPrefersADifferentSecondSource() {
        let words: (StoredChunk) -> Int = { _ in 1 }
        let packed = ContextPacker(mmrLambda: 0.3, maxSources: 2).pack(candidates, tokenBudget: 100, tokens: words)
        #expect(packed.map(\.chunk.id) == [1, 4])
    }
}
