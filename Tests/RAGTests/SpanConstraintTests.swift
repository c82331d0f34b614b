import Testing
@testable import RagTuneRAG

/// Extractive decoding: only runs of passage tokens may be produced, and the passage is known.
@Suite struct SpanConstraintTests {
    @Test func onlyContinuationsOfTheRunSoFarAreAllowed() {
        var constraint = SpanConstraint(passages: [[1, 2, 3, 4], [5, 2, 6]])
        #expect(constraint.allowed == [1, 2, 3, 4, 5, 6])
        constraint.append(2)
        #expect(constraint.allowed == [3, 6] && constraint.passagesHoldingAnswer == [0, 1])
        constraint.append(6)
        #expect(constraint.allowed.isEmpty && constraint.passagesHoldingAnswer == [1] && constraint.count == 2)
    }

    @Test func aSpaceLessAliasMayOpenTheAnswerOnly() {
        // 10 = " Hardin" inside the passage, 20 = "Hardin" at the start of a reply
        var constraint = SpanConstraint(passages: [[7, 10, 11]], firstTokenAliases: [20: [10], 30: [99]])
        #expect(constraint.allowed == [7, 10, 11, 20]) // 30 stands for no passage token
        constraint.append(20)
        #expect(constraint.allowed == [11] && constraint.passagesHoldingAnswer == [0])
        constraint.append(11)
        #expect(constraint.allowed.isEmpty)
        var later = SpanConstraint(passages: [[7, 10, 11]], firstTokenAliases: [20: [10]])
        later.append(7)
        #expect(later.allowed == [10]) // no alias after the first token
    }
}
