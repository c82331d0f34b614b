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
    private(set) var supportPasses = 0
    init(preferring preferred: Set<String> = []) { self.preferred = preferred }
    func logProbabilities(_ messages: [ChatMessage], of continuations: [String]) throws -> ContinuationScores {
        scored.append(continuations)
        return ContinuationScores(promptTokens: 10, replies: continuations.map { (logProbability: preferred.contains($0) ? -1 : -8, tokens: 2) })
    }
    /// Every word equally likely after any prompt: no question-support gain.
    func tokenLogProbabilities(of text: String, after prompt: String) throws -> [(bytes: Range<Int>, logProbability: Double)] {
        supportPasses += 1
        return wordTokens(of: text).map { (bytes: $0.bytes, logProbability: -4) }
    }
}

/// The words of `text` as tokens, with their UTF-8 byte ranges.
private func wordTokens(of text: String) -> [(word: String, bytes: Range<Int>)] {
    AnswerCandidates.tokenSpans(of: text).map { token in
        (token.text, text.utf8.distance(from: text.startIndex, to: token.range.lowerBound)
            ..< text.utf8.distance(from: text.startIndex, to: token.range.upperBound))
    }
}

/// A scorer whose question words are likely after a passage that holds them (−1 nats, against −4
/// after any other prompt) and unlikely after one that does not (−6): a passage supports the
/// words it says. The candidates it prefers score −1, the others −60: a decoder set on them.
private final class OverlapScorer: ContinuationScorer {
    let preferred: Set<String>
    private(set) var supportPrompts: [String] = []
    init(preferring preferred: Set<String> = []) { self.preferred = preferred }
    func logProbabilities(_ messages: [ChatMessage], of continuations: [String]) throws -> ContinuationScores {
        ContinuationScores(promptTokens: 10, replies: continuations.map { (logProbability: preferred.contains($0) ? -1 : -60, tokens: 2) })
    }
    func tokenLogProbabilities(of text: String, after prompt: String) throws -> [(bytes: Range<Int>, logProbability: Double)] {
        supportPrompts.append(prompt)
        let blind = prompt == QuestionSupport.prompt(passage: QuestionSupport.noPassage)
        let passage = Set(AnswerCandidates.tokens(of: prompt).map { $0.lowercased() })
        return wordTokens(of: text).map { token in
            (bytes: token.bytes, logProbability: blind ? -4 : passage.contains(token.word.lowercased()) ? -1 : -6)
        }
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
        // Copied as the phrase that answers "where": the place with its preposition.
        #expect(reading.answer == "in Brakdroul" && reading.source == 2 && reading.coverage == 1)
        // The citation points to the sentence the answer was copied from.
        #expect(reading.evidence.filter(\.cited).map(\.text) == ["Uljor Gilhalzor grew up in Brakdroul, where they were born."])
        // Two passes: the question, and the content-free question that calibrates it.
        #expect(scorer.scored.count == 2 && scorer.scored[0] == scorer.scored[1])
        // The candidates, twice, and the question's six tokens in each question-support pass: one per
        // candidate sentence and one without a passage.
        #expect(scorer.supportPasses >= 2)
        #expect(reading.promptTokens == 10 && reading.scoredTokens == 2 * scorer.scored.map(\.count).reduce(0, +) + 6 * scorer.supportPasses)
        let year = try ExtractiveReader().read("In what year was the Mordro-18 reactor first built?", sources: sources,
                                               background: sources, scorer: PreferringScorer(preferring: ["1980"]))
        #expect(year.answer == "in 1980" && year.source == 1)
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

    @Test func aMisspeltPlainWordDoesNotRefuseButAMisspeltNameDoes() throws {
        let photo = [passage(1, "The first photograph of the old lighthouse was taken in 1846. The lighthouse was rebuilt later.")]
        let reader = ExtractiveReader()
        let plain = try reader.read("when was the first photgraph of the old lighthouse taken?", sources: photo, background: photo,
                                    scorer: PreferringScorer())
        #expect(plain.answer == "in 1846" && plain.coverage == 1)
        let named = try reader.read("When was the Lighthuose of Vel photographed?", sources: photo, background: photo, scorer: PreferringScorer())
        #expect(named.answer == nil && named.coverage < 0.5)
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

    @Test func anAnswerWhoseSentenceDoesNotSupportTheQuestionsWordsIsRefused() throws {
        let reader = ExtractiveReader()
        let scorer = OverlapScorer()
        // The sentence says who designed it: "designed" and "reactor" gain 3 nats, and the designer is the answer.
        let designed = try reader.read("Who designed the Mordro-18 reactor?", sources: sources, background: sources, scorer: scorer)
        #expect(designed.answer == "Kesttov Kanaxdro" && designed.questionSupport == 3)
        // The question alone once, then each candidate sentence.
        #expect(scorer.supportPrompts.first == QuestionSupport.prompt(passage: QuestionSupport.noPassage))
        #expect(scorer.supportPrompts.contains(QuestionSupport.prompt(passage: "The Mordro-18 reactor was designed by Kesttov Kanaxdro.")))
        // No sentence about it says its colour: "colour" is less likely after each than after no
        // passage, so no span is an answer, though the sentences about the Mordro-18 hold many.
        let colour = try reader.read("What colour is the Mordro-18?", sources: sources, background: sources, scorer: scorer)
        #expect(colour.answer == nil && colour.questionSupport == -2 && colour.coverage == 1)
        // Nor is a sentence that does not say what the question asks an answer when one that does is
        // there: "Where was Kesttov Kanaxdro born?" gets the town, not "Mordro-18 reactor", whichever
        // the decoder prefers.
        let preferring = OverlapScorer(preferring: ["Mordro-18 reactor"])
        let born = try reader.read("Where was Kesttov Kanaxdro born?", sources: sources, background: sources, scorer: preferring)
        #expect(born.answer == "in Gilfenzor")
        var unchecked = reader
        unchecked.minimumQuestionSupport = nil
        #expect(try unchecked.read("Where was Kesttov Kanaxdro born?", sources: sources, background: sources, scorer: preferring).answer
                == "Mordro-18 reactor")
        // A question of names and function words only has nothing to check; nil turns the check off.
        #expect(try QuestionSupport.gain(of: "The Mordro-18 reactor was designed by Kesttov Kanaxdro.", for: "Who is Kesttov Kanaxdro?",
                                         scorer: scorer).gain == nil)
        let guess = try unchecked.read("What colour is the Mordro-18?", sources: sources, background: sources, scorer: OverlapScorer())
        #expect(guess.answer != nil && guess.questionSupport == nil)
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
        #expect(try reader.read("Where was Uljor Gilhalzor born?", sources: sources, background: sources, scorer: offered).answer == "in Brakdroul")
        #expect(offered.scored.first?.contains(ExtractiveReader.noAnswerReply) == false)
    }

    @Test func theRankedEvidenceIsWhatTheReaderShows() throws {
        let reader = ExtractiveReader()
        for question in ["Who built the Mordro-18 reactor?", "Where was Uljor Gilhalzor born?", "In what year was the Mordro-18 reactor first built?"] {
            let ranked = try reader.rankedEvidence(for: question, sources: sources, background: sources)
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

    @Test func aSentenceWithoutTheQuestionsNameAnswersLessThanOneWithIt() throws {
        // "Today the Humtou theodolite is kept …" holds more of the question's words than the
        // sentences about the Grerknin theodolite, but not its name; the decoder prefers its town.
        let notes = [passage(1, "The Grerknin theodolite now stands in a museum in Lerknoul. Today the Humtou theodolite is kept "
                                + "in the town of Taltraem. The Grerknin theodolite was built by Wol Ferkcox. The Grerknin theodolite has 21 levers.")]
        let others = [passage(2, "Today the Vonwur hygrometer is kept in the town of Lourfex. Today the Rosim barometer is kept in "
                                 + "the town of Foxnux. Today the Taervi astrolabe is kept in the town of Dirlo. The Velzan barometer has "
                                 + "12 gears. The Velzan barometer was built by Zeir Maerkquoun. The Velzan barometer has a case of ivory.")]
        let scorer = PreferringScorer(preferring: ["Taltraem", "Lerknoul"])
        let reading = try ExtractiveReader().read("Where is the Grerknin theodolite kept today?", sources: notes, background: notes + others,
                                                  scorer: scorer)
        #expect(scorer.scored.first?.contains("Taltraem") == true)
        #expect(reading.answer == "in Lerknoul")
    }

    @Test func sentencesHoldingTheSameTermsAreToldApartByMeaning() throws {
        let notes = [passage(1, "The Pimcend chronometer was built by Quand Kansein. The first trial of the Pimcend chronometer "
                                + "took place in 1715. The Pimcend chronometer now stands in Weiland. The Pimcend chronometer has a case of cast iron.")]
        let question = "What is the Pimcend chronometer made of?"
        let similarity = { (asked: String, sentences: [String]) -> [Double] in
            #expect(asked == question)
            return sentences.map { $0.contains("cast iron") ? 0.9 : 0.5 }
        }
        let scorer = PreferringScorer(preferring: ["1715", "cast iron"])
        let reading = try ExtractiveReader().read(question, sources: notes, background: notes, scorer: scorer, similarity: similarity)
        #expect(reading.evidence.first?.text == "The Pimcend chronometer has a case of cast iron.")
        #expect(reading.answer == "cast iron")
        // By terms alone the four sentences tie, and the last is not shown.
        let byTerms = try ExtractiveReader().read(question, sources: notes, background: notes, scorer: PreferringScorer(preferring: ["1715", "cast iron"]))
        #expect(byTerms.answer == "1715" && !byTerms.evidence.contains { $0.text.contains("cast iron") })
        // Without the weight, the similarity changes nothing.
        var termsOnly = ExtractiveReader()
        termsOnly.semanticWeight = 0
        #expect(try termsOnly.read(question, sources: notes, background: notes, scorer: PreferringScorer(preferring: ["1715", "cast iron"]),
                                   similarity: similarity).answer == "1715")
    }

    @Test func aSentenceShownTwiceIsEvidenceOnce() throws {
        let first = passage(1, "The Linkund sextant was built by Loum Cimco. The Linkund sextant now stands in Skaendleirk.")
        let second = passage(2, "The Linkund sextant was built by Loum Cimco. The Linkund sextant has a case of ivory.")
        let reading = try ExtractiveReader().read("What is the Linkund sextant made of?", sources: [first, second],
                                                  background: [first, second], scorer: PreferringScorer(preferring: ["ivory"]))
        #expect(reading.evidence.map(\.text) == ["The Linkund sextant was built by Loum Cimco.", "The Linkund sextant now stands in Skaendleirk.",
                                                 "The Linkund sextant has a case of ivory."])
        #expect(reading.evidence.first?.source == 1 && reading.answer == "ivory" && reading.source == 2)
    }

    @Test func aSentenceStatingTheWholeClaimSupportsAYesNoQuestion() {
        let reader = ExtractiveReader()
        let stated = reader.supportingSentence(for: "Was the Mordro-18 reactor designed by Kesttov Kanaxdro?", sources: sources,
                                               background: sources)
        #expect(stated?.text == "The Mordro-18 reactor was designed by Kesttov Kanaxdro." && stated?.source == 1 && stated?.cited == true)
        // One term of the claim missing from every sentence: not stated ("first" counts, though a function word).
        #expect(reader.supportingSentence(for: "Was the Mordro-18 reactor designed by Uljor Gilhalzor?", sources: sources,
                                          background: sources) == nil)
        #expect(reader.supportingSentence(for: "Was Kesttov Kanaxdro the first engineer of the Mordro-18 reactor?",
                                          sources: sources, background: sources) == nil)
        // A misspelt plain word is read past; a name the sources do not use is not.
        #expect(reader.supportingSentence(for: "Was the Mordro-18 reactor desined by Kesttov Kanaxdro?", sources: sources,
                                          background: sources)?.source == 1)
        #expect(reader.supportingSentence(for: "Was the Mordro-18 reactor designed by Kesttov Kanaxdra?", sources: sources,
                                          background: sources) == nil)
        // A plain word the sources never use in any spelling is part of the claim.
        #expect(reader.supportingSentence(for: "Was the Mordro-18 reactor painted by Kesttov Kanaxdro?", sources: sources,
                                          background: sources) == nil)
        #expect(ExtractiveReader.isSlip("tha", of: ["than"]) && ExtractiveReader.isSlip("photgraph", of: ["photograph"])
                && ExtractiveReader.isSlip("made", of: ["make"]))
        #expect(!ExtractiveReader.isSlip("wasp", of: ["bee", "honey"]) && !ExtractiveReader.isSlip("than", of: ["than"])
                && !ExtractiveReader.isSlip("ab", of: ["abc"]) && !ExtractiveReader.isSlip("fold", of: ["folder"]))
        // An ordinal is part of the claim, used by the sources or not.
        #expect(reader.supportingSentence(for: "Was the Mordro-18 reactor the eighth designed by Kesttov Kanaxdro?", sources: sources,
                                          background: sources) == nil)
        // A claim of one term says too little to be stated.
        #expect(reader.supportingSentence(for: "Is it Gilfenzor?", sources: sources, background: sources) == nil)
    }

    @Test func theSubjectOfASentenceThatSaysTheWholeQuestionAnswersWho() throws {
        let weed = [passage(1, "Weed ultimately got Seward elected to the senate. Seward later served in the cabinet.")]
        let reading = try ExtractiveReader().read("Who got Seward elected to the senate?", sources: weed, background: weed,
                                                  scorer: PreferringScorer())
        #expect(reading.answer == "Weed ultimately" && reading.source == 1)
        // Not when the sentence leaves part of the question out.
        let other = try ExtractiveReader().read("Who got Seward elected to the assembly?", sources: weed, background: weed,
                                                scorer: PreferringScorer())
        #expect(other.answer == nil)
    }

    @Test func aPersonNamedByOneWordIsGivenTheFullNameTheEvidenceUses() {
        let sentences = ["According to legend, Tesla was born at midnight.", "His grandfather was Nikola Tesla.", "The Tesla coil followed."]
        #expect(ExtractiveReader.fullName(of: "Tesla", in: sentences) == "Nikola Tesla")
        #expect(ExtractiveReader.fullName(of: "Weed", in: sentences) == "Weed")
        #expect(ExtractiveReader.fullName(of: "Nikola Tesla", in: sentences) == "Nikola Tesla")
    }

    @Test func answersComeAsThePhraseThatAnswers() throws {
        let facts = [passage(1, "Qatar became independent on September 3, 1971. Sea otters weigh about 30 kg (about 65 pounds) "
                             + "as adults. Naturalists told leopards from panthers by the length of the tail.")]
        let reader = ExtractiveReader()
        let when = try reader.read("When did Qatar become independent?", sources: facts, background: facts, scorer: PreferringScorer())
        #expect(when.answer == "on September 3, 1971")
        let weight = try reader.read("How much do adult sea otters weigh?", sources: facts, background: facts,
                                     scorer: PreferringScorer(preferring: ["30 kg"]))
        #expect(weight.answer == "30 kg (about 65 pounds)")
        let how = try reader.read("How did naturalists tell leopards from panthers?", sources: facts, background: facts,
                                  scorer: PreferringScorer(preferring: ["length"]))
        #expect(how.answer == "by the length")
        #expect(AnswerCandidates.phrase(of: "Weiland", in: "It stands in Weiland.", type: .any, asksManner: false) == "Weiland")
        #expect(AnswerCandidates.phrase(of: "Lourfex", in: "It went to Lourfex.", type: .place, asksManner: false) == "Lourfex")
        #expect(AnswerCandidates.phrase(of: "absent", in: "Nothing here.", type: .date, asksManner: false) == "absent")
        #expect(AnswerCandidates.phrase(of: "Maldonado", in: "The oldest church is in San Carlos, Maldonado.", type: .place,
                                        asksManner: false) == "in San Carlos, Maldonado")
        #expect(AnswerCandidates.phrase(of: "1967", in: "It grew after the 1967 war.", type: .date, asksManner: false) == "1967")
        #expect(AnswerCandidates.phrase(of: "16th century", in: "Islam was dominant by the end of the 16th century.", type: .date,
                                        asksManner: false) == "by the end of the 16th century")
        #expect(AnswerCandidates.phrase(of: "1861", in: "It was the end of 1861.", type: .date, asksManner: false) == "the end of 1861")
        #expect(AnswerCandidates.phrase(of: "Weiland", in: "Lourfex, Weiland and Helzan.", type: .place, asksManner: false) == "Weiland")
        #expect(AnswerCandidates.phrase(of: "Roma", in: "The largest minority are the Roma.", type: .any, asksManner: false) == "Roma")
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
            func tokenLogProbabilities(of text: String, after prompt: String) throws -> [(bytes: Range<Int>, logProbability: Double)] {
                wordTokens(of: text).map { (bytes: $0.bytes, logProbability: -4) }
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
