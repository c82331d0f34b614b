import Testing
import RagTuneTensor
@testable import RagTuneEvaluation

/// The unanswerable probe's questions: every name replaced by an invented word no document holds.
@Suite struct UnanswerableProbeTests {
    private static let vocabulary = UnanswerableProbe.vocabulary(of: [
        "The Mordro-18 reactor was designed by Kesttov Kanaxdro.", "Kesttov Kanaxdro was born in Gilfenzor.",
    ])

    @Test func namesAreReplacedByWordsNoDocumentHolds() throws {
        var random = SplitMix64(seed: 3)
        let invented = try #require(UnanswerableProbe.invent("Who designed the Mordro-18 reactor?", vocabulary: Self.vocabulary, random: &random))
        #expect(invented.hasPrefix("Who designed the ") && invented.hasSuffix(" reactor?") && !invented.contains("Mordro-18"))
        let name = invented.split(separator: " ")[3]
        #expect(name.count == "Mordro-18".count && name.first?.isUppercase == true && name.contains("-") && name.last?.isNumber == true)
        #expect(!Self.vocabulary.contains(name.lowercased()))
        let person = try #require(UnanswerableProbe.invent("Where was Kesttov Kanaxdro born?", vocabulary: Self.vocabulary, random: &random))
        #expect(!person.contains("Kesttov") && !person.contains("Kanaxdro") && person.hasPrefix("Where was ") && person.hasSuffix(" born?"))
        // A question without a name cannot be turned into one about something absent.
        #expect(UnanswerableProbe.invent("Is honey made by bees?", vocabulary: Self.vocabulary, random: &random) == nil)
    }

    @Test func oneQuestionPerFactAtMostCountSameForTheSameSeed() {
        let questions = (0..<10).map { i in
            CompareQuestion(pair: QAPair(id: "q\(i)", question: i % 3 == 0 ? "Is it old?" : "Who built the Zorn-\(i) lamp?", answer: "a"),
                            kind: "-", fact: "f\(i / 2)", restricted: false, answerAfterUpdate: nil, isTraining: false)
        }
        let probes = UnanswerableProbe.questions(from: questions, vocabulary: Self.vocabulary, count: 4, seed: 9)
        #expect(probes.count <= 4 && !probes.isEmpty)
        let facts = probes.map { probe in questions.first { "unanswerable-\($0.pair.id)" == probe.id }!.fact }
        #expect(Set(facts).count == facts.count)
        #expect(probes.map(\.question) == UnanswerableProbe.questions(from: questions, vocabulary: Self.vocabulary, count: 4, seed: 9).map(\.question))
        #expect(UnanswerableProbe.questions(from: questions, vocabulary: Self.vocabulary, count: 0, seed: 9).isEmpty)
    }
}
