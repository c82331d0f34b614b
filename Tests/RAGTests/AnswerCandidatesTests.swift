import Testing
@testable import RagTuneRAG
import RagTuneRetrieval

@Suite struct AnswerCandidatesTests {
    private func spans(_ sentence: String, for question: String) -> [String] {
        let terms = Set(EnglishAnalyzer().analyze(question))
        return AnswerCandidates.spans(of: sentence, questionTerms: terms).map(\.text)
    }

    @Test func whatTheQuestionSaysIsNeverPartOfAnAnswer() {
        #expect(spans("The Mordro-18 reactor was designed by Kesttov Kanaxdro.", for: "Who designed the Mordro-18 reactor?")
                == ["Kesttov Kanaxdro"])
        #expect(spans("The Mordro-18 reactor was designed by Kesttov Kanaxdro.", for: "What did Kesttov Kanaxdro design?")
                == ["Mordro-18 reactor"])
    }

    @Test func runsAreSplitAtFunctionWords() {
        let found = spans("Kesttov Kanaxdro grew up in Gilfenzor, where they were born.", for: "Where was Kesttov Kanaxdro born?")
        #expect(found == ["grew up in Gilfenzor", "grew up", "Gilfenzor"])
        // A run without function words stays whole (there is no part-of-speech tagger to split it).
        #expect(spans("Most of Uljor Gilhalzor's research concerns memory alloys.", for: "What is Uljor Gilhalzor known for?")
                == ["research concerns memory alloys"])
    }

    @Test func wordsKeepTheirInnerPunctuation() {
        #expect(AnswerCandidates.tokens(of: "The U.S. Mordro-18 isn't here.") == ["The", "U.S", ".", "Mordro-18", "isn't", "here", "."])
    }

    @Test func theQuestionWordSetsTheAnswerType() {
        #expect(AnswerType(question: "In what year was it built?") == .date)
        #expect(AnswerType(question: "When did it open?") == .date)
        #expect(AnswerType(question: "How many moons does it have?") == .quantity)
        #expect(AnswerType(question: "How heavy is the loom?") == .quantity)
        #expect(AnswerType(question: "Who designed it?") == .person)
        #expect(AnswerType(question: "Under whom did she train?") == .person)
        #expect(AnswerType(question: "Which instrument maker produced the Foxkaes pendulum?") == .person)
        #expect(AnswerType(question: "Which instrument is the work of Fim Komoth?") == .any)
        #expect(AnswerType(question: "In which year was it built?") == .date)
        #expect(AnswerType(question: "Where was she born?") == .place)
        #expect(AnswerType(question: "In which town was she born?") == .place)
        #expect(AnswerType(question: "What is she known for?") == .any)
        let sentence = "Construction of the first Belmi-40 lantern finished in 2027 by Mortov Zorfendro."
        let terms = Set(EnglishAnalyzer().analyze("Who built the Belmi-40 lantern?"))
        let candidates = AnswerCandidates.spans(of: sentence, questionTerms: terms)
        // Who finished it is no place, nor is the year.
        #expect(candidates.filter(AnswerType.place.admits).isEmpty)
        #expect(candidates.filter(AnswerType.person.admits).map(\.text) == ["Mortov Zorfendro"])
        // A person is not the object of a place preposition; a place may be.
        let town = AnswerCandidates.spans(of: "The Belmi-40 lantern now stands in a museum in Helzan.", questionTerms: terms)
        #expect(town.filter(AnswerType.person.admits).isEmpty)
        #expect(town.filter(AnswerType.place.admits).map(\.text) == ["Helzan"])
        // A place needs no capital after a place preposition.
        let beaches = AnswerCandidates.spans(of: "Sand crabs live on sandy beaches.",
                                             questionTerms: Set(EnglishAnalyzer().analyze("Where do sand crabs live?")))
        #expect(beaches.filter(AnswerType.place.admits).map(\.text) == ["sandy beaches"])
        let thing = AnswerCandidates.spans(of: "The Dendsil sextant was built by Tei Daelquourk.", questionTerms: ["train"])
        #expect(thing.filter(AnswerType.person.admits).map(\.text) == ["Tei Daelquourk"])
        #expect(candidates.filter(AnswerType.date.admits).map(\.text) == ["finished in 2027 by Mortov Zorfendro", "2027"])
        // A year is no amount, and the digits of a name are no number.
        #expect(candidates.filter(AnswerType.quantity.admits).isEmpty)
        let amounts = spans("The Belmi-40 lantern weighs 3,000 kilograms.", for: "How heavy is the Belmi-40 lantern?")
        #expect(amounts == ["weighs 3,000 kilograms"])
        #expect(AnswerType.quantity.admits(AnswerCandidate(text: "3,000", words: ["3,000"], startsSentence: false)))
    }

    @Test func theFocusNounMayBePartOfTheAnswer() {
        #expect(AnswerCandidates.focus(of: "Which county was Lincoln born in?") == "county")
        #expect(AnswerCandidates.focus(of: "Which future Heisman Trophy winner did Ford tackle?") == "winner")
        #expect(AnswerCandidates.focus(of: "What is the capital?") == nil)
        // A verb after "what" is no focus noun.
        #expect(AnswerCandidates.focus(of: "What consists of a barren plain?") == nil)
        let analyzer = EnglishAnalyzer()
        let question = "To what genus does the gray wolf belong?"
        let found = AnswerCandidates.spans(of: "The gray wolf is a member of the genus Canis, which comprises 7 species.",
                                           questionTerms: Set(analyzer.analyze(question)), focus: AnswerCandidates.focus(of: question)).map(\.text)
        #expect(found.contains("genus Canis"))
        // The focus noun alone answers nothing.
        #expect(!found.contains("genus"))
        // The focus is a word, not a stem: "engine" (a word of the question) still ends a span for "Which engineer …?".
        let engineer = "Which engineer is responsible for the Fenjor-61 engine?"
        #expect(AnswerCandidates.focus(of: engineer) == "engineer")
        #expect(AnswerCandidates.spans(of: "Construction of the first Fenjor-61 engine finished in 1979.",
                                       questionTerms: Set(analyzer.analyze(engineer)), focus: "engineer").map(\.text)
                == ["Construction", "finished in 1979", "finished", "1979"])
        #expect(AnswerCandidates.isFocusWord("Counties", "county") == false && AnswerCandidates.isFocusWord("districts", "district"))
    }

    @Test func spansAreCopiedAsTheSentenceWritesThem() {
        let found = spans("Lincoln served from March 4, 1861 until 1865 in Michigan's 5th district.", for: "When did Lincoln serve?")
        #expect(found.contains("March 4, 1861"))
        #expect(found.contains("Michigan's 5th district"))
    }

    @Test func namesAroundTheQuestionsNamesAreNotAnswers() {
        // "Abraham" continues the question's "Lincoln": a fragment of its name.
        #expect(!spans("Abraham Lincoln was killed by John Wilkes Booth.", for: "Who killed Lincoln?").contains("Abraham"))
        // A name with the question's word inside is a different name, kept whole.
        #expect(spans("He lived with his daughter Maria Hester Monroe Gouverneur in New York.", for: "What is Monroe's daughter's name?")
                .contains("Maria Hester Monroe Gouverneur"))
    }

    @Test func datesQuantitiesPersonsAndPlacesAreHardTypes() {
        let three = AnswerCandidate(text: "three suborders", words: ["three", "suborders"], startsSentence: false)
        #expect(AnswerType.quantity.admits(three))
        // A range is a number; the digits of a name are not.
        #expect(AnswerType.quantity.admits(AnswerCandidate(text: "300-600 kg", words: ["300-600", "kg"], startsSentence: false)))
        #expect(!AnswerType.quantity.admits(AnswerCandidate(text: "Belmi-40 lantern", words: ["Belmi-40", "lantern"], startsSentence: false)))
        #expect(AnswerType.date.admits(AnswerCandidate(text: "the end of the 16th century", words: ["the", "end", "of", "the", "16th", "century"], startsSentence: false)))
        // A span of no type ("designed") answers only a question of no particular type.
        let untyped = AnswerCandidate(text: "designed", words: ["designed"], startsSentence: false, precedingWord: "was")
        #expect([AnswerType.quantity, .date, .person, .place].allSatisfy { !$0.admits(untyped) } && AnswerType.any.admits(untyped))
        // A person may come after "from" ("learned the trade from Heildeix Rer"); after "in", a name is a place.
        let teacher = AnswerCandidate(text: "Heildeix Rer", words: ["Heildeix", "Rer"], startsSentence: false, precedingWord: "from")
        let town = AnswerCandidate(text: "Helzan Vor", words: ["Helzan", "Vor"], startsSentence: false, precedingWord: "in")
        #expect(AnswerType.person.admits(teacher) && !AnswerType.person.admits(town) && AnswerType.place.admits(town))
        // A time without a number: the span after "during".
        let pairing = spans("During pairing sperm cells are transferred to the female.", for: "When are sperm cells transferred?")
        #expect(pairing == ["pairing", "female"])
        let during = AnswerCandidates.spans(of: "During pairing sperm cells are transferred.",
                                            questionTerms: Set(EnglishAnalyzer().analyze("When are sperm cells transferred?")))
        #expect(during.filter(AnswerType.date.admits).map(\.text) == ["pairing"])
    }
}
