import Testing
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
