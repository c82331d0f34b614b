import Testing
@testable import RagTuneRetrieval

@Suite struct ScoredDocumentTests {
    @Test func recallCountsTheExactNeighboursFound() {
        func hits(_ indices: [Int]) -> [ScoredDocument] { indices.map { ScoredDocument(index: $0, score: 0) } }
        // Query 1 finds 2 of 3, query 2 finds 1 of 1: 3 of 4.
        #expect(ScoredDocument.recall([hits([1, 2, 9]), hits([4])], of: [hits([1, 2, 3]), hits([4])]) == 0.75)
        #expect(ScoredDocument.recall([], of: []) == 1)
    }

    @Test func ranksByScoreThenIndex() {
        #expect(ScoredDocument.ranksBefore(ScoredDocument(index: 5, score: 2), ScoredDocument(index: 1, score: 1)))
        #expect(ScoredDocument.ranksBefore(ScoredDocument(index: 1, score: 1), ScoredDocument(index: 5, score: 1)))
    }
}
