import Foundation
import Testing
import RagTuneTestSupport
import RagTuneRetrieval
import RagTuneStorage
@testable import RagTuneRAG

/// The pipeline over a real store with hand-made 3-d embeddings and a scripted generator.
@Suite struct RAGPipelineTests {
    /// Documents: honey (public), reactor (public), payroll (ACL: ceo). Embedding axes: honey,
    /// reactors, pay, anything else.
    private func pipeline(reply: String) throws -> (RAGPipeline, ScriptedGenerator) {
        let generator = ScriptedGenerator(reply: reply)
        return (try pipeline(generator: generator), generator)
    }

    private func pipeline(generator: any AnswerGenerator) throws -> RAGPipeline {
        let store = try SQLiteStore(path: FileManager.default.temporaryDirectory
            .appendingPathComponent("ragtune-rag-\(UUID().uuidString)/s.sqlite").path)
        let documents: [(String, String, [String], [Float])] = [
            ("honey", "Bees make honey from nectar in hives.", [], [1, 0, 0, 0]),
            ("reactor", "The Mordro-18 reactor was designed by Kesttov Kanaxdro.", [], [0, 1, 0, 0]),
            ("payroll", "Executive salaries are paid on the first Monday.", ["ceo"], [0, 0, 1, 0]),
        ]
        for (id, text, acl, embedding) in documents {
            let document = SourceDocument(id: id, sourcePath: "/docs/\(id).md", title: id.capitalized, text: text, acl: acl)
            try store.replace(document, chunks: [Chunk(documentID: id, ordinal: 0, text: text, heading: nil, startOffset: 0,
                                                       endOffset: text.unicodeScalars.count, tokenCount: 8, prefixLength: 0)],
                              embeddings: [embedding])
        }
        let embed: ([String]) throws -> [[Float]] = { texts in
            texts.map { text in
                let t = text.lowercased()
                let v: [Float] = [t.contains("honey") ? 1 : 0, t.contains("reactor") ? 1 : 0, t.contains("paid") ? 1 : 0, 0]
                return v == [0, 0, 0, 0] ? [0, 0, 0, 1] : v
            }
        }
        let searcher = try ChunkSearcher(chunks: store.chunks())
        return RAGPipeline(searcher: searcher, store: store, embed: embed, generator: generator)
    }

    @Test func yesNoQuestionsAreScoredAgainstTheSourcesAndCiteTheTopSource() throws {
        let question = "Was the Mordro-18 reactor designed by Kesttov Kanaxdro?"
        let generator = ScoringGenerator(logOdds: [question: -1, "N/A": -3])
        let rag = try pipeline(generator: generator)
        rag.options.yesNo = YesNoAnswerer()
        let answer = try rag.answer(question)
        #expect(answer.answer == "Yes [1]" && answer.refusal == nil && generator.generated == 0)
        #expect(answer.citations.map(\.chunk.documentID) == ["reactor"])
        // both prompts carry the same sources
        #expect(generator.scored.count == 2 && generator.scored[0].last?.content.hasPrefix("Sources:\n[1] (Reactor)") == true)
        #expect(generator.scored[1].last?.content.hasSuffix("Question: N/A") == true)
    }

    @Test func theExtractStyleAnswersYesWhereASourceStatesTheClaimAndScoresTheRest() throws {
        let stated = "Was the Mordro-18 reactor designed by Kesttov Kanaxdro?", unstated = "Was the Mordro-18 reactor designed in 1980?"
        let generator = ScoringGenerator(logOdds: [stated: -5, unstated: -5, "N/A": 0])
        let rag = try pipeline(generator: generator)
        rag.options.prompt = PromptBuilder(answerStyle: .extract)
        let yes = try rag.answer(stated)
        // Stated word for word: "Yes", cited to the sentence, without asking the decoder (which would have said "No").
        #expect(yes.answer == "Yes [1]" && yes.citations.map(\.chunk.documentID) == ["reactor"] && generator.scored.isEmpty)
        #expect(yes.evidence.map(\.text) == ["The Mordro-18 reactor was designed by Kesttov Kanaxdro."] && yes.evidence.first?.cited == true)
        // Part of the claim stated nowhere: the decoder decides, as in every strategy.
        let scored = try rag.answer(unstated)
        #expect(scored.answer == "No [1]" && generator.scored.count == 2)
        // Without yes/no answering, the claim is not read either.
        rag.options.yesNo = nil
        #expect(try rag.answer(stated).answer != "Yes [1]")
    }

    @Test func spanAnswersAreCopiedFromASourceAndCiteIt() throws {
        let generator = ScoringGenerator(logOdds: [:])
        let rag = try pipeline(generator: generator)
        rag.options.prompt = PromptBuilder(answerStyle: .span)
        generator.copy = "Kesttov Kanaxdro"
        let answer = try rag.answer("Who designed the Mordro-18 reactor?")
        #expect(answer.answer == "Kesttov Kanaxdro [1]" && answer.citations.map(\.chunk.documentID) == ["reactor"])
        #expect(generator.copiedFrom.first?.last == PromptBuilder.notFound && generator.generated == 0)
        // copying the refusal sentence is a refusal
        generator.copy = "Not found in the sources"
        #expect(try rag.answer("Who designed the Mordro-18 reactor?").refusal == .generatorDeclined)
        // without yes/no scoring, a yes/no question is generated, not copied
        rag.options.yesNo = nil
        #expect(try rag.answer("Was the Mordro-18 reactor designed by Kesttov Kanaxdro?").generated == "generated")
        #expect(generator.generated == 1 && generator.copiedFrom.count == 2)
    }

    @Test func answersCiteTheirSourceDocuments() throws {
        let (rag, generator) = try pipeline(reply: "Kesttov Kanaxdro designed it [1].")
        let answer = try rag.answer("Who designed the Mordro-18 reactor?")
        #expect(answer.refusal == nil && answer.answer == "Kesttov Kanaxdro designed it [1].")
        #expect(answer.sources.first?.chunk.documentID == "reactor")
        #expect(answer.citations.map(\.chunk.documentID) == ["reactor"])
        #expect(answer.citations.first?.chunk.documentSource == "/docs/reactor.md")
        let prompt = try #require(generator.received.first?.last?.content)
        #expect(prompt.hasPrefix("Sources:\n[1] (Reactor) The Mordro-18 reactor") && prompt.hasSuffix("Question: Who designed the Mordro-18 reactor?"))
        #expect(Set(["embed", "retrieve", "rerank", "pack", "prompt", "generate", "ground", "total"]).isSubset(of: answer.timings.keys))
    }

    @Test func refusesWithoutGeneratingWhenNothingRelevantIsFound() throws {
        let (rag, generator) = try pipeline(reply: "Paris [1].")
        let answer = try rag.answer("What is the capital of France?")
        #expect(answer.refusal == .noRelevantSources && answer.answer == PromptBuilder.notFound)
        #expect(generator.received.isEmpty && answer.citations.isEmpty)
    }

    @Test func unsupportedAnswersAreReplacedButKept() throws {
        let (rag, _) = try pipeline(reply: "It was designed by Ada Lovelace in London.")
        let answer = try rag.answer("Who designed the Mordro-18 reactor?")
        #expect(answer.refusal == .unsupportedAnswer && answer.answer == PromptBuilder.notFound)
        #expect(answer.generated == "It was designed by Ada Lovelace in London." && answer.citations.isEmpty)
        rag.options.refuseUnsupported = false
        #expect(try rag.answer("Who designed the Mordro-18 reactor?").refusal == nil)
    }

    @Test func aUserNeverGetsOrIsCitedAChunkTheyMayNotSee() throws {
        let (rag, generator) = try pipeline(reply: "Salaries are paid on the first Monday [1][2][3].")
        let bob = try rag.answer("When are executive salaries paid?", user: "bob")
        #expect(!bob.retrieved.contains { $0.chunk.documentID == "payroll" })
        #expect(!bob.citations.contains { $0.chunk.documentID == "payroll" })
        #expect(generator.received.allSatisfy { !$0.map(\.content).joined().contains("Executive salaries") })
        let ceo = try rag.answer("When are executive salaries paid?", user: "ceo")
        #expect(ceo.citations.first?.chunk.documentID == "payroll")
    }

    @Test func theContextBudgetLimitsTheSources() throws {
        let (rag, generator) = try pipeline(reply: "Bees [1].")
        rag.options.minimumSimilarity = -1
        rag.options.contextTokens = 14   // one ~11-word source fits, not two
        let answer = try rag.answer("honey reactor")
        #expect(answer.sources.count == 1 && answer.retrieved.count == 2) // the payroll chunk is the ceo's only
        #expect(generator.received.count == 1)
    }

    @Test func compressionShowsOnlyTheBestSentencesAndShortAnswersStopAtTheLineEnd() throws {
        let (rag, generator) = try pipeline(reply: "Bees [1].")
        rag.options.minimumSimilarity = -1
        rag.options.compressor = ContextCompressor(maxSentences: 1)
        let answer = try rag.answer("Who makes honey in a reactor?")
        #expect(answer.retrieved.count == 2 && answer.sources.count == 1 && answer.sources[0].number == 1)
        #expect(answer.sources[0].excerpt != nil && answer.timings["compress"] != nil)
        #expect(generator.stops == [["\n"]])
    }

    @Test func smallChunksAreShownWithTheirNeighbours() throws {
        let store = try SQLiteStore(path: FileManager.default.temporaryDirectory
            .appendingPathComponent("ragtune-rag-\(UUID().uuidString)/s.sqlite").path)
        let sentences = ["Kesttov Kanaxdro grew up in Gilfenzor.", "The Mordro-18 reactor was designed by her.", "She likes tea."]
        let text = sentences.joined(separator: " ")
        var start = 0
        let chunks = sentences.enumerated().map { i, sentence in
            defer { start += sentence.unicodeScalars.count + 1 }
            return Chunk(documentID: "notes", ordinal: i, text: sentence, heading: nil, startOffset: start,
                         endOffset: start + sentence.unicodeScalars.count, tokenCount: 8, prefixLength: 0)
        }
        try store.replace(SourceDocument(id: "notes", sourcePath: "/docs/notes.md", title: "Notes", text: text), chunks: chunks,
                          embeddings: [[1, 0], [0, 1], [1, 0]])
        let generator = ScriptedGenerator(reply: "Kesttov Kanaxdro [1].")
        let rag = RAGPipeline(searcher: try ChunkSearcher(chunks: store.chunks()), store: store,
                              embed: { $0.map { $0.contains("reactor") ? [0, 1] : [1, 0] } }, generator: generator)
        rag.options.prompt.answerStyle = .short
        rag.options.packer.maxSources = 1
        rag.options.expander = NeighbourExpander(neighbours: 1)
        let answer = try rag.answer("Who designed the Mordro-18 reactor?")
        // The best chunk names no person; with its neighbours, the source holds who "her" is.
        #expect(answer.retrieved.first?.chunk.ordinal == 1 && answer.sources.count == 1)
        #expect(answer.sources[0].chunk.body == text && answer.sources[0].chunk.startOffset == 0)
        #expect(generator.received.last?.map(\.content).joined().contains("Gilfenzor") == true)
        #expect(answer.timings["neighbours"] != nil && answer.citations.first?.chunk.endOffset == text.unicodeScalars.count)
    }
}

@Suite struct QueryExpanderTests {
    @Test func repliesBecomeCleanDistinctQueries() {
        let reply = "1. Who produces honey?\n- \"bee honey production\"\n\nWho makes honey?\n2) who makes honey\n3. insects that make honey"
        #expect(LLMQueryExpander.queries(in: reply, question: "Who makes honey?", limit: 5)
            == ["Who produces honey?", "bee honey production", "insects that make honey"])
        #expect(LLMQueryExpander.queries(in: reply, question: "Who makes honey?", limit: 1) == ["Who produces honey?"])
    }

    @Test func expansionsAreRetrievedAndFused() throws {
        final class Fixed: QueryExpander {
            func expand(_ question: String) throws -> [String] { ["reactor designer"] }
        }
        let store = try SQLiteStore(path: FileManager.default.temporaryDirectory
            .appendingPathComponent("ragtune-rag-\(UUID().uuidString)/s.sqlite").path)
        for (id, text, embedding) in [("honey", "Bees make honey.", [Float(1), 0]), ("reactor", "The reactor designer was Kanaxdro.", [0, 1])] {
            try store.replace(SourceDocument(id: id, sourcePath: "/\(id)", title: id, text: text),
                              chunks: [Chunk(documentID: id, ordinal: 0, text: text, heading: nil, startOffset: 0,
                                             endOffset: text.unicodeScalars.count, tokenCount: 4, prefixLength: 0)],
                              embeddings: [embedding])
        }
        let embed: ([String]) throws -> [[Float]] = { $0.map { $0.contains("reactor") ? [0, 1] : [1, 0] } }
        let rag = RAGPipeline(searcher: try ChunkSearcher(chunks: store.chunks()), store: store, embed: embed,
                              generator: ScriptedGenerator(reply: "Kanaxdro [1]"))
        rag.options.mode = .bm25
        #expect(try rag.answer("Who made the honey machine?").retrieved.map(\.chunk.documentID) == ["honey"])
        rag.options.queryExpander = Fixed()
        let answer = try rag.answer("Who made the honey machine?")
        #expect(answer.queries == ["Who made the honey machine?", "reactor designer"])
        #expect(Set(answer.retrieved.map(\.chunk.documentID)) == ["honey", "reactor"] && answer.timings["expand"] != nil)
    }
}
