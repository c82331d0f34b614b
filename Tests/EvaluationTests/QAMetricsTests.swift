import Foundation
import Testing
@testable import RagTuneEvaluation

/// Hand-computed cases of SQuAD's normalization, exact match and token F1.
@Suite struct QAMetricsTests {
    @Test func normalizationFollowsSQuAD() {
        #expect(QAMetrics.normalize("The  Eiffel-Tower, in Paris!") == "eiffeltower in paris")
        #expect(QAMetrics.normalize("An apple a day") == "apple day")
    }

    @Test func exactMatchF1AndContains() {
        #expect(QAMetrics.exactMatch("the Hardin County.", "Hardin County") == 1)
        #expect(QAMetrics.exactMatch("Hardin", "Hardin County") == 0)
        // prediction {lincoln, was, born, in, hardin, county} vs gold {hardin, county}: P 2/6, R 1.
        #expect(abs(QAMetrics.f1("Lincoln was born in Hardin County", "Hardin County") - 0.5) < 1e-12)
        #expect(QAMetrics.f1("yes yes", "yes") == 2 * 0.5 * 1 / 1.5)
        #expect(QAMetrics.f1("no", "yes") == 0)
        #expect(QAMetrics.contains("Yes, he was.", "yes") == 1)
        #expect(QAMetrics.contains("Yesterday", "yes") == 0)   // whole words only
        #expect(QAMetrics.isYesNo("Yes.") && !QAMetrics.isYesNo("Yes, in 1861"))
    }

    @Test func datasetLoadsAndRejectsBadLines() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("ragtune-qa-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let good = dir.appendingPathComponent("qa.jsonl")
        try Data(#"{"id": 3, "question": "Q?", "answer": "A", "article": "X", "updated": true}"#.utf8 + Data("\n\n".utf8)).write(to: good)
        let pairs = try QADataset(contentsOf: good).pairs
        #expect(pairs == [QAPair(id: "3", question: "Q?", answer: "A", fields: ["article": "X", "updated": "true"])])
        for (line, reason) in [(#"{"id": 1, "question": "Q?"}"#, "missing field \"answer\""),
                               (#"{"id": 1, "question": " ", "answer": "A"}"#, "field \"question\" is empty"),
                               (#"{"question": "Q?", "answer": "A"}"#, "missing field \"id\""),
                               ("{not json", ":1: invalid JSON")] {
            let bad = dir.appendingPathComponent("bad.jsonl")
            try Data(line.utf8).write(to: bad)
            #expect { try QADataset(contentsOf: bad) } throws: { "\($0)".contains(reason) }
        }
    }
}
