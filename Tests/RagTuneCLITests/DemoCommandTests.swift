import Foundation
import Testing
import RagTuneTestSupport
@testable import ragtune

/// `ragtune demo` end to end: the comparison on invented facts recommends RAG with a significant
/// lead and writes its HTML report; the showcase questions about invented facts are answered from
/// the notes with citations, and the question the samples do not cover is refused.
@Suite(.serialized) struct DemoCommandTests {
    @Test(.needsMiniLM, .needsSmolLM2, .enabled(if: IndexCommandTests.hasBinary, "the ragtune binary is not built"))
    func showcaseAnswersInventedFactsAndRefusesTheRest() throws {
        let binary = try #require(IndexCommandTests.builtBinary())
        let samples = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("samples")
        let store = FileManager.default.temporaryDirectory.appendingPathComponent("ragtune-demo-\(UUID().uuidString)/demo.sqlite")
        defer { try? FileManager.default.removeItem(at: store.deletingLastPathComponent()) }
        let summary = try IndexCommandTests.runJSON(binary, [
            "demo", "--store", store.path, "--sample", samples.appendingPathComponent("mini-wiki").path,
            "--notes", samples.appendingPathComponent("invented-notes").path, "--questions", "2",
            "--kb", samples.appendingPathComponent("invented-kb").path, "--compare-questions", "16", "--json"])
        let compare = try #require(summary["compare"] as? [String: Any])
        let verdict = try #require(compare["verdict"] as? [String: Any])
        #expect(verdict["choice"] as? String == "rag" && verdict["significant"] as? Bool == true, "\(verdict)")
        #expect(FileManager.default.fileExists(atPath: try #require(compare["report"] as? String)))
        let arms = try #require(compare["answer_contains"] as? [String: [String: Double]])
        #expect(Set(arms.keys) == ["closed-book", "few-shot", "rag"] && (arms["rag"]?["mean"] ?? 0) >= 0.75)
        let answers = try #require(summary["answers"] as? [[String: Any]])
        #expect(answers.map { $0["question"] as? String } == DemoCommand.showcase)
        let expected = ["Kesttov Kanaxdro", "1904", "Naxmorrav", "Sarqui-41 compass"]
        for (answer, fact) in zip(answers, expected) {
            #expect((answer["answer"] as? String)?.contains(fact) == true, "\(answer)")
            #expect((answer["citations"] as? [String])?.first?.hasPrefix("notes-") == true, "\(answer)")
        }
        #expect(answers.last?["refusal"] as? String != nil && (answers.last?["citations"] as? [String])?.isEmpty == true)
        #expect(summary["indexed"] as? Int == 173)
    }
}
