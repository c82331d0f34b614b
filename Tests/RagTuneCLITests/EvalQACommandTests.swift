import Foundation
import Testing
import RagTuneTestSupport
import RagTuneModels
import RagTuneRAG
import RagTuneRetrieval
import RagTuneStorage
@testable import ragtune

@Suite struct QAScoreTests {
    private func attempt(_ answer: String, citing texts: [String], sources: [String]? = nil, strategy: QAStrategy = .rag) -> QAAttempt {
        func passage(_ n: Int, _ text: String) -> SourcePassage {
            SourcePassage(number: n, chunk: StoredChunk(id: Int64(n), chunk: Chunk(documentID: "d\(n)", ordinal: 0, text: text, heading: nil,
                                                                               startOffset: 0, endOffset: 0, tokenCount: 0, prefixLength: 0),
                                                    documentSource: "", documentTitle: "", metadata: [:], acl: [], embedding: []),
                          score: 1, similarity: nil)
        }
        return QAAttempt(strategy: strategy, answer: answer, refused: false,
                         citations: texts.enumerated().map { passage($0 + 1, $1) },
                         sources: (sources ?? texts).enumerated().map { passage($0 + 1, $1) },
                         promptTokens: 10, completionTokens: 5, seconds: 1, timings: [:])
    }

    @Test func citationPrecisionAndRetrievalHitCountGoldInChunks() {
        let score = QAScore(attempt("It was Hardin County [1][2].", citing: ["Born in Hardin County, Kentucky.", "He was tall."]),
                            gold: "Hardin County")
        #expect(score.contains == 1 && score.citationPrecision == 0.5 && score.retrievalHit == 1)
        let yesNo = QAScore(attempt("Yes [1].", citing: ["yes indeed"]), gold: "Yes")
        #expect(yesNo.exactMatch == 1 && yesNo.citationPrecision == nil && yesNo.retrievalHit == nil)
        let closed = QAScore(attempt("Kentucky", citing: [], strategy: .closedBook), gold: "Hardin County")
        #expect(closed.retrievalHit == nil && closed.citationPrecision == nil && closed.f1 == 0)
    }
}

/// `ragtune eval qa` end to end on a tiny store with the real models.
@Suite(.serialized) struct EvalQACommandTests {
    @Test(.needsMiniLM, .needsSmolLM2, .enabled(if: IndexCommandTests.hasBinary, "the ragtune binary is not built"))
    func comparesStrategiesAndWritesDetails() throws {
        let binary = try #require(IndexCommandTests.builtBinary())
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("ragtune-evalqa-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        try Data("# Reactors\n\nThe Mordro-18 reactor was designed by Kesttov Kanaxdro in 1980.\n".utf8)
            .write(to: dir.appendingPathComponent("notes.md"))
        try Data(("{\"id\": 1, \"question\": \"Who designed the Mordro-18 reactor?\", \"answer\": \"Kesttov Kanaxdro\"}\n"
                  + "{\"id\": 2, \"question\": \"When was the Mordro-18 reactor designed?\", \"answer\": \"1980\"}\n").utf8)
            .write(to: dir.appendingPathComponent("qa.jsonl"))
        let store = dir.appendingPathComponent("s.sqlite").path
        let index = try IndexCommand.parse(["--store", store, dir.appendingPathComponent("notes.md").path, "--json"])
        try index.run()
        let details = dir.appendingPathComponent("details.jsonl").path
        let summary = try IndexCommandTests.runJSON(binary, [
            "eval", "qa", "--qa", dir.appendingPathComponent("qa.jsonl").path, "--store", store,
            "--strategy", "closed-book", "--strategy", "rag", "--details", details, "--json", "--max-tokens", "24"])
        #expect(summary["questions"] as? Int == 2)
        let strategies = try #require(summary["strategies"] as? [String: [String: Any]])
        #expect(Set(strategies.keys) == ["closed-book", "rag"])
        for metrics in strategies.values {
            for key in ["exact_match", "f1", "answer_contains"] {
                let ci = try #require(metrics[key] as? [String: Double])
                #expect(ci["lower"]! <= ci["mean"]! && ci["mean"]! <= ci["upper"]!)
            }
            #expect((metrics["latency_p50"] as? Double ?? 0) > 0)
        }
        #expect((summary["differences"] as? [String: Any])?["closed-book - rag"] != nil)
        let lines = try String(contentsOfFile: details, encoding: .utf8).split(separator: "\n")
        #expect(lines.count == 4)
        let rag = try lines.compactMap { try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
            .filter { $0["strategy"] as? String == "rag" }
        #expect(rag.count == 2 && rag.allSatisfy { $0["retrieval_hit"] as? Double == 1 })
    }
}
