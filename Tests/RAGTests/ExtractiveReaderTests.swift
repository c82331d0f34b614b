import Testing
import RagTuneTestSupport
import RagTuneRetrieval
import RagTuneStorage
import RagTuneTokenizers
@testable import RagTuneRAG

/// A scorer that prefers the continuations it is told to (by mean log-probability), recording what it saw.
private final class PreferringScorer: ContinuationScorer {
    var preferred: Set<String>
    private(set) var scored: [[String]] = []
    init(preferring preferred: Set<String> = []) { self.preferred = preferred }
    func logProbabilities(_ messages: [ChatMessage], of continuations: [String]) throws -> ContinuationScores {
        scored.append(continuations)
        return ContinuationScores(promptTokens: 10, replies: continuations.map { (logProbability: preferred.contains($0) ? -1 : -8, tokens: 2) })
    }
}

@Suite struct ExtractiveReaderTests {
    private let sources = [
        passage(1, "Kesttov Kanaxdro grew up in Gilfenzor, where they were born. The Mordro-18 reactor was designed by "
                + "Kesttov Kanaxdro. Construction of the first Mordro-18 reactor finished in 1980."),
        passage(2, "Uljor Gilhalzor grew up in Brakdroul, where they were born. Uljor Gilhalzor is the engineer behind the "
                + "Ulren-99 compass."),
    ]

    @Test func theAnswerIsCopiedFromTheMostRelevantSentenceAndCitesIt() throws {
        let scorer = PreferringScorer()
        let reading = try ExtractiveReader().read("Where was Uljor Gilhalzor born?", sources: sources, background: sources,
                                                  scorer: scorer)
        #expect(reading.answer == "Brakdroul" && reading.source == 2 && reading.coverage == 1)
        // The citation points to the sentence the answer was copied from.
        #expect(reading.evidence.filter(\.cited).map(\.text) == ["Uljor Gilhalzor grew up in Brakdroul, where they were born."])
        // Two passes: the question, and the content-free question that calibrates it.
        #expect(scorer.scored.count == 2 && scorer.scored[0] == scorer.scored[1])
        #expect(reading.promptTokens == 10 && reading.scoredTokens == 2 * scorer.scored.map(\.count).reduce(0, +) && reading.scoredTokens > 0)
        let year = try ExtractiveReader().read("In what year was the Mordro-18 reactor first built?", sources: sources,
                                               background: sources, scorer: PreferringScorer(preferring: ["1980"]))
        #expect(year.answer == "1980" && year.source == 1)
    }

    @Test func theDecoderChoosesAmongCandidatesOfEquallyRelevantSentences() throws {
        let scorer = PreferringScorer(preferring: ["Ulren-99 compass"])
        let reading = try ExtractiveReader().read("What did Uljor Gilhalzor design?", sources: sources, background: sources, scorer: scorer)
        #expect(reading.answer == "Ulren-99 compass" && reading.source == 2)
        #expect(scorer.scored.first?.contains("Brakdroul") == true)
    }

    @Test func questionsAboutNamesTheSourcesDoNotHoldAreRefused() throws {
        let scorer = PreferringScorer()
        let reading = try ExtractiveReader().read("Who designed the Zorbel-77 kettle?", sources: sources, background: sources, scorer: scorer)
        #expect(reading.answer == nil && reading.coverage < 0.5 && scorer.scored.isEmpty && reading.seconds > 0)
    }

    @Test func attributesTheSourcesDoNotGiveAreRefused() throws {
        let reader = ExtractiveReader()
        // The sources name no one but Uljor Gilhalzor in the sentences about Uljor Gilhalzor; the
        // person in a sentence that shares nothing with the question ("Kesttov Kanaxdro grew up …",
        // shown third) is no answer.
        let taught = try reader.read("Who taught Uljor Gilhalzor?", sources: sources, background: sources, scorer: PreferringScorer())
        #expect(taught.answer == nil && taught.coverage == 1)
        #expect(taught.evidence.contains { $0.text.hasPrefix("Kesttov Kanaxdro grew up") && $0.score == 0 })
        // A number in a heading that shares no word with the question is no price.
        let notes = [passage(1, "Engineering notes 0\n\nThe Mordro-18 reactor was designed by Kesttov Kanaxdro. "
                                + "Construction of the first Mordro-18 reactor finished in 1980.")]
        let cost = try reader.read("How much did the Mordro-18 reactor cost?", sources: notes, background: notes, scorer: PreferringScorer())
        #expect(cost.answer == nil && cost.evidence.contains { $0.text == "Engineering notes 0" })
        // Who designed it and when it was built say nothing about where it is kept.
        let kept = try reader.read("Where is the Mordro-18 reactor kept today?", sources: notes, background: notes, scorer: PreferringScorer())
        #expect(kept.answer == nil && kept.coverage == 1)
        // Nor does a sentence about another lantern, which shares only "lantern" with the question.
        let lanterns = [passage(1, "The Belmi-40 lantern was designed by Mortov Zorfendro. Construction of the first "
                                   + "Belmi-40 lantern finished in 2027."),
                        passage(2, "Construction of the first Naxrav-97 lantern finished in 1995.")]
        let neighbour = try reader.read("Where is the Belmi-40 lantern kept today?", sources: lanterns, background: lanterns,
                                        scorer: PreferringScorer())
        #expect(neighbour.answer == nil && neighbour.evidence.contains { $0.text.contains("Naxrav-97") })
    }

    @Test func aReaderThatRepliesNotFoundRefuses() throws {
        var trained = ExtractiveReader()
        trained.offersNoAnswer = true
        let scorer = PreferringScorer(preferring: [ExtractiveReader.noAnswerReply])
        let reading = try trained.read("Where was Uljor Gilhalzor born?", sources: sources, background: sources, scorer: scorer)
        #expect(reading.answer == nil && reading.source == nil && reading.coverage == 1)
        #expect(scorer.scored.first?.last == ExtractiveReader.noAnswerReply)
        let reader = ExtractiveReader()
        let offered = PreferringScorer(preferring: [ExtractiveReader.noAnswerReply])
        #expect(try reader.read("Where was Uljor Gilhalzor born?", sources: sources, background: sources, scorer: offered).answer == "Brakdroul")
        #expect(offered.scored.first?.contains(ExtractiveReader.noAnswerReply) == false)
    }

    @Test func theRankedEvidenceIsWhatTheReaderShows() throws {
        let reader = ExtractiveReader()
        for question in ["Who built the Mordro-18 reactor?", "Where was Uljor Gilhalzor born?", "In what year was the Mordro-18 reactor first built?"] {
            let ranked = reader.rankedEvidence(for: question, sources: sources, background: sources)
            let reading = try reader.read(question, sources: sources, background: sources, scorer: PreferringScorer())
            // Every sentence of the sources, the first `sentences` of them shown by `read`.
            #expect(ranked.count == 5 && Array(ranked.prefix(reader.sentences)).map(\.text) == reading.evidence.map(\.text))
        }
    }

    @Test func sentencesThatCanAnswerTheQuestionsTypeComeFirst() throws {
        // Every sentence names the lantern; only one names a person who could have built it.
        let notes = [passage(1, "The Belmi-40 lantern has 12 lenses. The Belmi-40 lantern now stands in a museum in Helzan. "
                                + "The frame of the Belmi-40 lantern is made of brass. The Belmi-40 lantern was made by Mortov Zorfendro.")]
        let reading = try ExtractiveReader().read("Who built the Belmi-40 lantern?", sources: notes, background: notes,
                                                  scorer: PreferringScorer())
        #expect(reading.evidence.first?.text == "The Belmi-40 lantern was made by Mortov Zorfendro.")
        #expect(reading.answer == "Mortov Zorfendro")
        // The sentences about the question's names outrank those that share its other words.
        let other = [passage(1, "Today the Vonwur hygrometer is kept in the town of Lourfex. The Pimcend chronometer now stands in Weiland.")]
        let kept = try ExtractiveReader().read("Where is the Pimcend chronometer kept today?", sources: other, background: other,
                                               scorer: PreferringScorer())
        #expect(kept.evidence.first?.text == "The Pimcend chronometer now stands in Weiland.")
    }

    @Test func thePipelineCitesTheCopiedSpanInTheExtractStyle() throws {
        final class Scoring: AnswerGenerator, ContinuationScorer {
            let name = "scoring", contextTokens = 4096
            func countTokens(_ messages: [ChatMessage]) -> Int { messages.map { countTokens($0.content) }.reduce(0, +) }
            func countTokens(_ text: String) -> Int { text.split(separator: " ").count }
            func generate(_ messages: [ChatMessage], maxTokens: Int, stop: [String], onText: (String) -> Void) throws -> GeneratedAnswer {
                Issue.record("generated instead of extracting")
                return GeneratedAnswer(text: "", promptTokens: 0, completionTokens: 0, promptSeconds: 0, generateSeconds: 0)
            }
            func logProbabilities(_ messages: [ChatMessage], of continuations: [String]) throws -> ContinuationScores {
                ContinuationScores(promptTokens: 20, replies: continuations.map { (logProbability: $0 == "Kesttov Kanaxdro" ? -1 : -5, tokens: 1) })
            }
        }
        let store = try KeywordStore(keywords: ["reactor", "compass"], documents: [
            ("reactor", "The Mordro-18 reactor was designed by Kesttov Kanaxdro. It was first built in 1980.", []),
            ("compass", "The Ulren-99 compass was designed by Uljor Gilhalzor.", []),
        ])
        var configuration = RAGConfiguration()
        configuration.answerStyle = .extract
        configuration.mode = .dense
        let pipeline = try RAGPipeline(store: store.store, configuration: configuration, generator: Scoring(), embed: store.embed)
        let answer = try pipeline.answer("Who designed the Mordro-18 reactor?")
        #expect(answer.answer == "Kesttov Kanaxdro [1]" && answer.refusal == nil)
        #expect(answer.promptTokens == 20 && answer.completionTokens >= 1)
        #expect(answer.evidence.first?.text == "The Mordro-18 reactor was designed by Kesttov Kanaxdro." && answer.evidence.first?.source == 1)
        #expect(try JSONKeys.keys(of: answer, under: "evidence[]") == ["text", "source", "score", "cited"])
        #expect(answer.citations.first?.chunk.documentID == "reactor")
        let refused = try pipeline.answer("Who designed the Zorbel-77 reactor?")
        #expect(refused.refusal == .generatorDeclined && refused.citations.isEmpty && !refused.replacedGenerated)
    }
}
