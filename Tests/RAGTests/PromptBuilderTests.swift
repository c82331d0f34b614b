import Testing
import RagTuneStorage
@testable import RagTuneRAG

@Suite struct PromptBuilderTests {
    @Test func sourcesAreNumberedWithTitlesBeforeTheQuestion() {
        let messages = PromptBuilder().messages(question: "Who made honey?",
                                                sources: [passage(1, "Bees make honey.", title: "Bees"), passage(2, "Ants farm.")])
        #expect(messages.map(\.role) == ["system", "user"])
        #expect(messages[0].content.contains("[n]") && messages[0].content.hasSuffix(PromptBuilder.notFound))
        #expect(messages[1].content == "Sources:\n[1] (Bees) Bees make honey.\n\n[2] Ants farm.\n\nQuestion: Who made honey?")
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
