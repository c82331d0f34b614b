import Testing
@testable import RagTuneEvaluation

/// The recommendation rules on synthetic outcomes: a clear RAG win, a clear fine-tuning win, a tie
/// decided on cost, and a strategy that leaks restricted facts.
@Suite struct RecommendationTests {
    /// `right` of `count` questions answered right, the first ones.
    private func answers(_ right: Int, of count: Int = 60) -> [Bool] { (0..<count).map { $0 < right } }

    @Test func ragWinsWhenSignificantlyMoreAccurate() throws {
        let verdict = try Recommendation.decide([
            StrategyOutcome(name: "closed-book", correct: answers(3), latencyP50: 0.2, tokensPerQuery: 60),
            StrategyOutcome(name: "rag", correct: answers(55), latencyP50: 0.8, tokensPerQuery: 300),
            StrategyOutcome(name: "few-shot", correct: answers(5), latencyP50: 0.3, tokensPerQuery: 150),
        ], seed: 1)
        #expect(verdict.choice == "rag" && verdict.significant && verdict.excluded.isEmpty)
        #expect(verdict.claims[0].hasPrefix("Use rag: +0.83 answer-contains over few-shot [+"))
        #expect(verdict.claims[0].hasSuffix("(McNemar p < 0.001, 60 questions)."))
        #expect(verdict.claims.contains { $0.hasPrefix("Also ahead of closed-book: +0.87") })
    }

    @Test func fineTuningWinsWhenItIsSignificantlyBetter() throws {
        let verdict = try Recommendation.decide([
            StrategyOutcome(name: "rag", correct: answers(20), latencyP50: 0.8, tokensPerQuery: 300),
            StrategyOutcome(name: "lora-qa", correct: answers(50), latencyP50: 0.2, tokensPerQuery: 60, trainingSeconds: 600),
        ], seed: 1)
        #expect(verdict.choice == "lora-qa" && verdict.significant)
        #expect(verdict.claims[0].hasPrefix("Use lora-qa: +0.50 answer-contains over rag"))
    }

    @Test func aTieIsDecidedOnCost() throws {
        // 30 vs 29 right, one question apart: no significant difference, so the cheaper one wins.
        let verdict = try Recommendation.decide([
            StrategyOutcome(name: "rag", correct: answers(30), latencyP50: 0.8, tokensPerQuery: 300),
            StrategyOutcome(name: "lora-qa", correct: answers(29), latencyP50: 0.2, tokensPerQuery: 60, trainingSeconds: 600),
            StrategyOutcome(name: "closed-book", correct: answers(2), latencyP50: 0.2, tokensPerQuery: 60),
        ], seed: 1)
        #expect(verdict.choice == "rag" && !verdict.significant)
        #expect(verdict.claims[0].hasPrefix("No significant difference between rag and lora-qa: +0.02 answer-contains"))
        #expect(verdict.claims[1].hasPrefix("Use rag on cost: no training, 300 tokens and 0.80 s per answer, against lora-qa (600 s training"))
    }

    @Test func aLeakingStrategyIsNotRecommended() throws {
        let verdict = try Recommendation.decide([
            StrategyOutcome(name: "rag", correct: answers(40), latencyP50: 0.8, tokensPerQuery: 300, leaks: 0, restrictedAsked: 10),
            StrategyOutcome(name: "lora-qa", correct: answers(55), latencyP50: 0.2, tokensPerQuery: 60, trainingSeconds: 600,
                            leaks: 7, restrictedAsked: 10),
        ], seed: 1)
        #expect(verdict.choice == "rag" && verdict.excluded == ["lora-qa"])
        #expect(verdict.claims.contains("rag leaked 0 of 10 restricted facts to an outsider."))
        #expect(verdict.claims.contains("lora-qa leaked 7 of 10 restricted facts to an outsider and is not recommended."))
    }

    @Test func refusesMismatchedOrEmptyOutcomes() {
        #expect(throws: EvaluationError.self) { try Recommendation.decide([], seed: 1) }
        #expect(throws: EvaluationError.self) {
            try Recommendation.decide([StrategyOutcome(name: "a", correct: [true], latencyP50: 0, tokensPerQuery: 0),
                                       StrategyOutcome(name: "b", correct: [true, false], latencyP50: 0, tokensPerQuery: 0)], seed: 1)
        }
    }

    @Test func freshnessSaysWhichArmsRereadAndWhichNeedRetraining() {
        let probe = FreshnessProbe(changedQuestions: 6, updatedDocuments: 2, reindexSeconds: 0.25, arms: [
            "rag": .init(before: IntervalEstimate(mean: 0, lower: 0, upper: 0), after: IntervalEstimate(mean: 1, lower: 1, upper: 1)),
            "closed-book": .init(before: IntervalEstimate(mean: 0, lower: 0, upper: 0), after: nil),
            "lora-qa": .init(before: IntervalEstimate(mean: 0.5, lower: 0.17, upper: 0.83), after: nil),
        ])
        let claims = Recommendation.freshnessClaims(probe, order: ["closed-book", "rag", "lora-qa"], retraining: ["lora-qa": 241.6])
        #expect(claims == [
            "After the knowledge update (6 changed facts), rag answered 1.00 [1.00, 1.00] of them right after one re-index of 2 documents (0.2 s), against 0.00 before it.",
            "Without documents to re-read, closed-book answered 0.00 and lora-qa answered 0.50 of the changed facts; lora-qa would need its adapter retrained (242 s).",
        ])
    }
}
