import Foundation
import Testing
import RagTuneTestSupport
import RagTuneModels
import RagTuneRAG
import RagTuneRetrieval
import RagTuneStorage
@testable import ragtune

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
