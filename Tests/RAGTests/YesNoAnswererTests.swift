import Testing
import RagTuneTestSupport
import RagTuneTokenizers
@testable import RagTuneRAG

/// Calibrated yes/no scoring: which questions qualify, and the decision against the prompt's bias.
@Suite struct YesNoAnswererTests {
    @Test func yesNoQuestionsOpenWithAnAuxiliaryAndOfferNoAlternatives() {
        for question in ["Was Abraham Lincoln the sixteenth President?", "did Lincoln sign the act?", "Can bees fly?",
                         "Isn't it cold?", "Has the reactor been built?"] {
            #expect(YesNoAnswerer.isYesNoQuestion(question), "\(question)")
        }
        for question in ["Who designed the reactor?", "Is it red or blue?", "When was Lincoln born?", "Island size?", ""] {
            #expect(!YesNoAnswerer.isYesNoQuestion(question), "\(question)")
        }
        // An alternative question opens with an auxiliary too.
        #expect(YesNoAnswerer.opensWithAuxiliary("Is it red or blue?") && !YesNoAnswerer.opensWithAuxiliary("Who designed it?"))
    }

    @Test func theAnswerIsTheEvidenceAgainstTheContentFreeBias() throws {
        // The prompt alone favours "Yes" by 2; a question at 1 is evidence against it.
        let generator = ScoringGenerator(logOdds: ["N/A": 2, "Is it warm?": 1, "Is it sunny?": 3])
        let prompt = PromptBuilder()
        let answerer = YesNoAnswerer()
        let warm = try #require(try answerer.answer("Is it warm?", generator: generator) { prompt.closedBookMessages(question: $0) })
        #expect(warm.text == "No")
        let sunny = try answerer.answer("Is it sunny?", generator: generator) { prompt.closedBookMessages(question: $0) }
        #expect(sunny?.text == "Yes")
        // the real and the content-free prompt differ only in the question
        #expect(generator.scored.count == 4 && generator.scored[1].dropLast() == generator.scored[0].dropLast())
        #expect(generator.scored[1].last?.content == "N/A")
    }

    @Test func otherQuestionsAndGeneratorsThatCannotScoreAreLeftToGeneration() throws {
        let answerer = YesNoAnswerer()
        let scoring = ScoringGenerator(logOdds: [:])
        #expect(try answerer.answer("Who built it?", generator: scoring) { [.user($0)] } == nil)
        #expect(try answerer.answer("Is it warm?", generator: ScriptedGenerator(reply: "Yes")) { [.user($0)] } == nil)
    }

    @Test func closedBookScoresYesNoQuestionsOnlyInTheShortStyle() throws {
        let generator = ScoringGenerator(logOdds: ["Is it warm?": 5])
        let runner = QARunner(generator: generator, pipeline: nil, yesNo: YesNoAnswerer())
        #expect(try runner.answer("Is it warm?", strategy: .closedBook).answer == "Yes")
        #expect(try runner.answer("Who is it?", strategy: .closedBook).answer == "generated")
        runner.prompt = PromptBuilder(answerStyle: .sentence)
        #expect(try runner.answer("Is it warm?", strategy: .closedBook).answer == "generated")
        #expect(generator.generated == 2)
    }
}
