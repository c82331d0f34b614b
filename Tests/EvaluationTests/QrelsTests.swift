import Foundation
import Testing
@testable import RagTuneEvaluation

@Suite struct QrelsTests {
    @Test func beirTSVWithHeaderAndSeveralJudgmentsPerQuery() throws {
        let text = "query-id\tcorpus-id\tscore\nq1\td1\t1\nq1\td2\t2\r\nq2\td1\t0\n\n"
        let qrels = try TestFiles.with(text) { try Qrels(contentsOf: $0) }
        #expect(qrels.judgments == ["q1": ["d1": 1, "d2": 2], "q2": ["d1": 0]])
        #expect(qrels.count == 3 && qrels.queryIds == ["q1", "q2"])
    }

    @Test func headerIsOptional() throws {
        let qrels = try TestFiles.with("q1\td1\t1\n") { try Qrels(contentsOf: $0) }
        #expect(qrels.judgments == ["q1": ["d1": 1]])
    }

    @Test func trecQrelsFourColumns() throws {
        let text = "301 0 FBIS3-10082 1\n301 0 FBIS3-10169 0\n302\t0\tFT921-1\t2\n"
        let qrels = try TestFiles.with(text) { try Qrels(contentsOf: $0) }
        #expect(qrels.judgments == ["301": ["FBIS3-10082": 1, "FBIS3-10169": 0], "302": ["FT921-1": 2]])
    }

    @Test func repeatedPairKeepsTheLastRelevanceLikeBEIR() throws {
        let qrels = try TestFiles.with("q\td\t1\nq\td\t2\n") { try Qrels(contentsOf: $0) }
        #expect(qrels["q"] == ["d": 2])
    }

    @Test(arguments: [
        ("query-id\tcorpus-id\tscore\nq1\td1\t1\nq1\td2\thigh\n", ":3: relevance \"high\" is not an integer"),
        ("q1\td1\t1\nq1\td2\t1.5\n", ":2: relevance \"1.5\" is not an integer"),
        ("q1\td1\t1\nq1 d2\n", ":2: expected 3 tab-separated columns (query-id, corpus-id, score) or 4 TREC columns (qid iteration docid relevance)"),
        ("q1\t\t1\n", ":1: empty query or document id"),
    ])
    func errorsNameFileAndLine(text: String, expected: String) throws {
        try TestFiles.with(text, name: "test.tsv") { url in
            #expect(TestFiles.errorText { _ = try Qrels(contentsOf: url) } == url.path + expected)
        }
    }

    @Test(.enabled(if: TestFiles.hasSciFact)) func loadsSciFactTrain() throws {
        let qrels = try Qrels(contentsOf: TestFiles.sciFact.appendingPathComponent("qrels/train.tsv"))
        #expect(qrels.count == 919 && qrels.judgments.count == 809)
        #expect(qrels["0"] == ["31715818": 1])
    }
}
