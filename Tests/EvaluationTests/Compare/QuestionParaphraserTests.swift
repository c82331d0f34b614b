import Testing
import RagTuneTestSupport
@testable import RagTuneEvaluation

/// The generator's rewrites of training questions are kept only when they still ask the same
/// thing about the same names.
@Suite struct QuestionParaphraserTests {
    @Test func aRewriteKeepsNamesNumbersAndTheKindOfQuestion() {
        let question = "Who designed the Sarqui-41 compass in 1904?"
        let candidates = [
            "Which engineer designed the Sarqui-41 compass in 1904?",  // kept: "which" may stand for "who"
            "Who designed the Sarqui compass in 1904?",               // a name lost its number
            "Who designed the Sarqui-41 compass?",                    // the year is gone
            "Where was the Sarqui-41 compass designed in 1904?",      // asks another thing
            "Who designed the Sarqui-41 compass in 1904",              // not a question
            "Did Gilith Ulzorqui design the Sarqui-41 compass in 1904?", // gives the answer away
            "By whom was the Sarqui-41 compass designed in 1904?",     // kept
        ]
        let kept = QuestionParaphraser.accepted(candidates, question: question, answer: "Gilith Ulzorqui", limit: 5)
        #expect(kept == ["Which engineer designed the Sarqui-41 compass in 1904?", "By whom was the Sarqui-41 compass designed in 1904?"])
        #expect(QuestionParaphraser.accepted(candidates, question: question, answer: "Gilith Ulzorqui", limit: 1).count == 1)
        #expect(QuestionParaphraser.protectedWords(question) == ["Sarqui-41", "1904"])
    }

    @Test func aRewriteKeepsHalfTheContentWords() {
        let question = "In which town can one see the Kuldul astrolabe?"
        #expect(QuestionParaphraser.accepted(["What's a Kuldul astrelab about?", "Which town shows the Kuldul astrolabe?"],
                                             question: question, answer: "Somu", limit: 2) == ["Which town shows the Kuldul astrolabe?"])
    }

    @Test func aRewriteAddsNoNumberAndStaysShort() {
        // Rewrites SmolLM2 wrote for fictional-kb questions: a new year, and a new story.
        #expect(QuestionParaphraser.accepted(["Which country made the first Ravka-98 compass in 2013?"],
                                             question: "In what year was the Ravka-98 compass first made?", answer: "1961", limit: 1).isEmpty)
        #expect(QuestionParaphraser.accepted(["Who was Sarqui Halrenhal and what made her a trailblazer in the field of space exploration?"],
                                             question: "What is Sarqui Halrenhal known for?", answer: "glass fungi", limit: 1).isEmpty)
    }

    @Test func aYesNoQuestionGetsNoRewrites() {
        #expect(QuestionParaphraser.accepted(["Does Lake Varnholm freeze in the winter?"], question: "Does Lake Varnholm freeze in winter?",
                                             answer: "Yes", limit: 2).isEmpty)
        #expect(QuestionParaphraser.questionWord("In what year was the Mordro-18 reactor built?") == "what")
    }

    @Test func theRequestShowsRewordingsNotAnswers() {
        let messages = QuestionParaphraser(generator: ScriptedGenerator(reply: ""), count: 2).messages("Who built the Vorn-2 lamp?")
        #expect(messages.first?.role == "system" && messages.last?.content == "Who built the Vorn-2 lamp?")
        #expect(messages.filter { $0.role == "assistant" }.allSatisfy { $0.content.split(separator: "\n").count == 2 })
        #expect(messages.filter { $0.role == "assistant" }.allSatisfy { !$0.content.contains("Leonardo") })
    }

    @Test func theGeneratorsReplyIsSplitCleanedAndFiltered() throws {
        let reply = "1. Which maker built the Vorn-2 lamp?\n2. Who is the Vorn-2 lamp?\n- \"By whom was the Vorn-2 lamp built?\""
        let paraphraser = QuestionParaphraser(generator: ScriptedGenerator(reply: reply), count: 2)
        // "Who is the Vorn-2 lamp?" keeps the name and the question word: the filter cannot tell it is odd; it is kept.
        #expect(try paraphraser.rewrites(of: "Who built the Vorn-2 lamp?", answer: "Ama Bel")
                == ["Which maker built the Vorn-2 lamp?", "Who is the Vorn-2 lamp?"])
    }
}
