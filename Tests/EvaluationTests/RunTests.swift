import Testing
@testable import RagTuneEvaluation

@Suite struct RunTests {
    @Test func keepsQueryOrderAndFirstOfADuplicatedDocument() {
        var run = Run([("q2", [RetrievedDocument(id: "a", score: 2)]), ("q1", [])])
        run.setRanking([RetrievedDocument(id: "x", score: 3), RetrievedDocument(id: "y", score: 2), RetrievedDocument(id: "x", score: 1)],
                       for: "q2")
        #expect(run.queryIds == ["q2", "q1"])
        #expect(run["q2"] == [RetrievedDocument(id: "x", score: 3), RetrievedDocument(id: "y", score: 2)])
        #expect(run["q1"] == [])
        #expect(run["q3"] == nil)
        #expect(run.count == 2)
    }
}
