import Testing
@testable import RagTuneRAG

@Suite struct ClozeQuestionsTests {
    private func facts(_ sentence: String) -> [String: String] {
        Dictionary(ClozeQuestions.facts(in: sentence).map { ($0.answer, $0.question) }, uniquingKeysWith: { first, _ in first })
    }

    @Test func aSpanAtTheStartIsAskedForInFront() {
        let found = facts("The Belmi-40 lantern was designed by Mortov Zorfendro.")
        #expect(found["Belmi-40 lantern"] == "What was designed by Mortov Zorfendro?")
        #expect(found["Mortov Zorfendro"] == "The Belmi-40 lantern was designed by whom?")
    }

    @Test func theWhPhraseFitsTheSpan() {
        let place = facts("Kesttov Kanaxdro grew up in Gilfenzor, where they were born.")
        #expect(place["Gilfenzor"] == "Kesttov Kanaxdro grew up where, where they were born?")
        #expect(place["Kesttov Kanaxdro"] == "Who grew up in Gilfenzor, where they were born?")
        let year = facts("Construction of the first Mordro-18 reactor finished in 1980.")
        #expect(year["1980"] == "Construction of the first Mordro-18 reactor finished in what year?")
        #expect(year["Mordro-18 reactor"] == "Construction of what finished in 1980?")
        #expect(facts("The Pimcend chronometer has 21 springs.")["21"] == "The Pimcend chronometer has how many springs?")
        #expect(facts("Kesttov Kanaxdro is known for work on glass fungi.")["glass fungi"]
                == "Kesttov Kanaxdro is known for work on what?")
        #expect(facts("Most of Uljor Gilhalzor's research concerns memory alloys.")["Uljor Gilhalzor"]
                == "Most of whose research concerns memory alloys?")
    }

    @Test func answersAreCopiedAsTheSentenceWritesThem() {
        for sentence in ["The Zorkest-30 compass was built in 1977 by Halnax Eskeskfen.",
                         "In 1891, the Velzan barometer was shown to the public for the first time."] {
            for fact in ClozeQuestions.facts(in: sentence) {
                #expect(sentence.contains(fact.answer))
                #expect(!fact.question.contains(fact.answer))
                #expect(fact.question.hasSuffix("?"))
            }
        }
    }

    @Test func onlyStatementsOfAReasonableLengthGiveQuestions() {
        #expect(ClozeQuestions.facts(in: "Who designed the Belmi-40 lantern?").isEmpty)
        #expect(ClozeQuestions.facts(in: "# Engineering notes 0").isEmpty)
        #expect(ClozeQuestions.facts(in: "Halnax Eskeskfen agreed.").isEmpty)
        #expect(ClozeQuestions.facts(in: "").isEmpty)
    }
}
