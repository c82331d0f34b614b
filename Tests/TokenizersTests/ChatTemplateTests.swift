import Testing
@testable import RagTuneTokenizers

@Suite struct ChatTemplateTests {
    @Test(arguments: BPETokenizerTests.chats)
    func rendersFixturePrompts(_ row: SmolLM2ChatRow) {
        #expect(ChatTemplate.smolLM2.render(row.messages) == row.prompt)
    }

    @Test func systemMessageIsKeptAndNotDuplicated() {
        let text = ChatTemplate.smolLM2.render([.system("Be brief."), .user("Hi")], addGenerationPrompt: false)
        #expect(text == "<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n")
    }

    @Test func emptyConversation() {
        #expect(ChatTemplate.smolLM2.render([]) == "<|im_start|>assistant\n")
        #expect(ChatTemplate(defaultSystemPrompt: nil).render([.user("x")])
                == "<|im_start|>user\nx<|im_end|>\n<|im_start|>assistant\n")
    }
}
