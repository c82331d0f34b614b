import Testing
@testable import RagTuneRAG

@Suite struct GrounderTests {
    let sources = [passage(1, "The Mordro-18 reactor was designed by Kesttov Kanaxdro in Gilfenzor."),
                   passage(2, "Bees make honey from nectar.")]

    @Test func explicitCitationsAreKeptAndInvalidOnesStripped() {
        let grounded = Grounder().ground(answer: "Kesttov Kanaxdro designed it [1][7]. Bees make honey [2, 9].",
                                         question: "Who designed the Mordro-18 reactor?", sources: sources)
        #expect(grounded.text == "Kesttov Kanaxdro designed it [1]. Bees make honey [2].")
        #expect(grounded.explicitCitations == [1, 2] && grounded.invalidCitations == [7, 9])
        #expect(grounded.citations == [1, 2] && grounded.isSupported)
    }

    @Test func uncitedSentencesAreTracedToTheSourceHoldingTheirNewTerms() {
        let grounded = Grounder().ground(answer: "It was designed by Kesttov Kanaxdro.\nBees make honey from nectar!",
                                         question: "Who designed the Mordro-18 reactor?", sources: sources)
        #expect(grounded.sentences.map(\.source) == [1, 2])
        #expect(grounded.citations == [1, 2] && grounded.explicitCitations.isEmpty && grounded.isSupported)
    }

    @Test func inventedAnswersAreUnsupportedAndBareAnswersNeutral() {
        let invented = Grounder().ground(answer: "It was designed by Ada Lovelace in London.",
                                         question: "Who designed the Mordro-18 reactor?", sources: sources)
        #expect(!invented.isSupported && invented.citations.isEmpty)
        #expect(invented.sentences.first?.informative == true && invented.sentences.first?.source == nil)
        let bare = Grounder().ground(answer: "Yes.", question: "Was the reactor designed?", sources: sources)
        #expect(bare.isSupported && bare.sentences.first?.informative == false)
    }

    @Test func sentenceSplitting() {
        #expect(Grounder.sentences("One. Two!  Three?\nFour 3.5 five") == ["One.", "Two!", "Three?", "Four 3.5 five"])
    }
}
