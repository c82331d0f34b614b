import Testing
@testable import RagTuneRAG
import RagTuneRetrieval

@Suite struct ReaderExamplesTests {
    private let notes = [
        SourceDocument(id: "a.md", sourcePath: "a.md", title: "a", text: """
            The Belmi-40 lantern was designed by Mortov Zorfendro. Mortov Zorfendro grew up in Pelmorul, where they were born.
            The Ulren-99 compass was designed by Uljor Gilhalzor. Uljor Gilhalzor grew up in Brakdroul, where they were born.
            """, format: .markdown),
        SourceDocument(id: "b.md", sourcePath: "b.md", title: "b", text: """
            The Ithlun-41 loom was designed by Jorvash Gilminax. Jorvash Gilminax grew up in Tujorqui, where she was born.
            Construction of the first Ithlun-41 loom finished in 2005.
            """, format: .markdown),
    ]

    @Test func eachExampleIsTheReadersPromptAndTheCopiedSpan() throws {
        var builder = ReaderExampleBuilder()
        builder.unanswerableShare = 0
        let examples = builder.examples(from: notes)
        #expect(examples.count >= 8)
        for example in examples {
            #expect(example.answerable)
            #expect(example.messages.count == 3)
            #expect(Array(example.messages.prefix(1)) == Array(ExtractiveReader.messages(context: "", question: "").prefix(1)))
            let prompt = example.messages[1].content
            #expect(prompt.hasSuffix("\nQuestion: " + example.question))
            #expect(prompt.contains(example.answer))
            #expect(example.messages[2] == .assistant(example.answer))
            // Three sentences: the answer's and two distractors that do not hold the answer.
            let context = String(prompt.dropFirst("Context: ".count).prefix { $0 != "\n" })
            let sentences = TextChunker.sentences(of: context)
            #expect(sentences.count == 3)
            #expect(sentences.filter { $0.contains(example.answer) }.count == 1)
        }
    }

    @Test func unanswerableExamplesShowOnlyDistractorsAndReplyNotFound() {
        var builder = ReaderExampleBuilder()
        builder.unanswerableShare = 1
        let examples = builder.examples(from: notes)
        #expect(!examples.isEmpty)
        for example in examples {
            #expect(!example.answerable)
            #expect(!example.messages[1].content.contains(example.answer))
            #expect(example.messages[2] == .assistant(ExtractiveReader.noAnswerReply))
        }
    }

    @Test func theSeedDecidesAndTheSampleKeepsOrder() {
        var builder = ReaderExampleBuilder()
        let all = builder.examples(from: notes)
        #expect(builder.examples(from: notes) == all)
        builder.seed = 7
        #expect(builder.examples(from: notes) != all)
        builder.maxExamples = 3
        let sample = builder.examples(from: notes)
        #expect(sample.count == 3)
        let full = ReaderExampleBuilder.with(seed: 7).examples(from: notes)
        let positions = sample.map { example in full.firstIndex(of: example)! }
        #expect(positions == positions.sorted())
    }
}

private extension ReaderExampleBuilder {
    static func with(seed: UInt64) -> ReaderExampleBuilder {
        var builder = ReaderExampleBuilder()
        builder.seed = seed
        return builder
    }
}
