import Foundation
import Testing
@testable import RagTuneEvaluation

@Suite struct RunTRECTests {
    @Test func roundTripKeepsOrderScoresAndQueries() throws {
        let run = Run([
            ("q1", [RetrievedDocument(id: "d3", score: 1.0 / 3), RetrievedDocument(id: "d1", score: 0.1),
                    RetrievedDocument(id: "d2", score: 0.1), RetrievedDocument(id: "d9", score: -3.25)]),
            ("q0", [RetrievedDocument(id: "d1", score: 1e-05), RetrievedDocument(id: "d7", score: 12_345_678.5)]),
            ("empty", []),
        ])
        let (text, back) = try TestFiles.with("") { url in
            try run.writeTREC(to: url, tag: "bm25")
            return (try String(contentsOf: url, encoding: .utf8), try Run(contentsOfTREC: url))
        }
        #expect(text.hasPrefix("q1 Q0 d3 1 0.3333333333333333 bm25\nq1 Q0 d1 2 0.1 bm25\n"))
        #expect(back.queryIds == ["q1", "q0"])   // an empty ranking has no lines
        for queryId in back.queryIds { #expect(back[queryId] == run[queryId]) }
    }

    @Test func readsInterleavedQueriesInFileOrderIgnoringRanks() throws {
        let text = "q1 Q0 a 5 1.5 run\nq2\tQ0\tb\t1\t2\trun\n\nq1 Q0 c 1 3.0 run\n"
        let run = try TestFiles.with(text) { try Run(contentsOfTREC: $0) }
        #expect(run.queryIds == ["q1", "q2"])
        #expect(run["q1"] == [RetrievedDocument(id: "a", score: 1.5), RetrievedDocument(id: "c", score: 3)])
        #expect(run["q2"] == [RetrievedDocument(id: "b", score: 2)])
    }

    @Test(arguments: [
        ("q1 Q0 a 1 1.0 run\nq1 Q0 b 2 0.5\n", ":2: expected 6 columns (qid Q0 docid rank score tag), found 5"),
        ("q1 Q0 a 1 high run\n", ":1: score \"high\" is not a number"),
        ("q1 Q0 a 1 nan run\n", ":1: score \"nan\" is not a number"),
        ("q1 Q0 a 1 1.0 run\nq2 Q0 a 1 1.0 run\nq1 Q0 a 2 0.5 run\n",
         ":3: document \"a\" listed twice for query \"q1\" (first on line 1)"),
    ])
    func readerErrorsNameFileAndLine(text: String, expected: String) throws {
        try TestFiles.with(text, name: "run.trec") { url in
            #expect(TestFiles.errorText { _ = try Run(contentsOfTREC: url) } == url.path + expected)
        }
    }

    @Test func writerRejectsIdsTheFormatCannotHold() throws {
        try TestFiles.with("") { url in
            let spaced = Run([("q 1", [RetrievedDocument(id: "a", score: 1)])])
            #expect(TestFiles.errorText { try spaced.writeTREC(to: url) }
                    == "invalid argument: query id \"q 1\" cannot be written to a TREC run file (empty or contains whitespace)")
            let run = Run([("q1", [RetrievedDocument(id: "a", score: 1)])])
            #expect(TestFiles.errorText { try run.writeTREC(to: url, tag: "") } != nil)
        }
    }
}
