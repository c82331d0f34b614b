import Testing
import RagTuneTestSupport
import RagTuneModels
@testable import RagTuneRAG

/// The decoder as a pointwise reranker (needs SmolLM2; skipped without it).
@Suite(.serialized) struct LLMRelevanceRerankerTests {
    @Test(.needsSmolLM2) func anAnsweringPassageOutscoresUnrelatedOnes() throws {
        let reranker = LLMRelevanceReranker(try TextGenerator(threads: 2))
        let question = "What do bees make from nectar?"
        let relevant = try reranker.probabilityOfYes(question: question, passage: "Bees make honey from the nectar of flowers.")
        let unrelated = try reranker.probabilityOfYes(question: question, passage: "Comets have long icy tails near the sun.")
        #expect(relevant > 0 && relevant < 1 && unrelated > 0 && unrelated < 1)
        #expect(relevant > unrelated, "P(yes) relevant \(relevant) vs unrelated \(unrelated)")
        // Scores do not depend on the order passages are scored in (the shared prompt prefix is cached).
        let again = try reranker.probabilityOfYes(question: question, passage: "Bees make honey from the nectar of flowers.")
        #expect(abs(again - relevant) < 1e-4)
    }
}
