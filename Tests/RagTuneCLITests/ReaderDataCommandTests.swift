import Foundation
import Testing
import RagTuneRAG
import RagTuneTestSupport
import RagTuneTraining
@testable import ragtune

/// `ragtune reader-data` writes chat lines that `ragtune finetune` reads, and says what it wrote.
@Suite struct ReaderDataCommandTests {
    private func folder(_ files: [String: String]) throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("reader-data-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        for (name, text) in files { try Data(text.utf8).write(to: url.appendingPathComponent(name)) }
        return url
    }

    @Test(.enabled(if: IndexCommandTests.hasBinary, "the ragtune binary is not built")) func writesExamplesTheFineTunerReads() throws {
        let binary = try #require(IndexCommandTests.builtBinary())
        let docs = try folder(["notes.md": """
            # Notes

            The Belmi-40 lantern was designed by Mortov Zorfendro. Mortov Zorfendro grew up in Pelmorul, where they were born.
            Construction of the first Belmi-40 lantern finished in 2027. The Ulren-99 compass was designed by Uljor Gilhalzor.
            """])
        defer { try? FileManager.default.removeItem(at: docs) }
        let out = docs.appendingPathComponent("reader.jsonl")
        let summary = try IndexCommandTests.runJSON(binary, ["reader-data", docs.path, "--out", out.path, "--unanswerable-share", "0.5",
                                                             "--seed", "3", "--json"])
        #expect(summary["documents"] as? Int == 1 && summary["out"] as? String == out.path)
        let lines = try String(contentsOf: out, encoding: .utf8).split(separator: "\n")
        #expect(summary["examples"] as? Int == lines.count && lines.count >= 6)
        var unanswerable = 0
        for (i, line) in lines.enumerated() {
            let example = try #require(try ChatExample.parse(Data(line.utf8), file: out.path, line: i + 1))
            #expect(example.messages.map(\.role) == ["system", "user", "assistant"])
            if example.messages[2].content == ExtractiveReader.noAnswerReply { unanswerable += 1 }
        }
        #expect(summary["unanswerable"] as? Int == unanswerable && unanswerable > 0)
    }

    @Test func flagsAreChecked() throws {
        #expect(throws: (any Error).self) { try ReaderDataCommand.parse(["docs", "--out", "x", "--unanswerable-share", "2"]) }
        #expect(throws: (any Error).self) { try ReaderDataCommand.parse(["docs", "--out", "-", "--json"]) }
        #expect(throws: (any Error).self) { try ReaderDataCommand.parse(["--out", "x"]) }
        #expect(try JSONKeys.paths(of: ReaderDataSummary(documents: 1, examples: 2, unanswerable: 0, out: "x"))
                == ["documents", "examples", "out", "unanswerable"])
    }

    @Test(.enabled(if: IndexCommandTests.hasBinary, "the ragtune binary is not built")) func documentsWithoutStatementsAreAnError() throws {
        let binary = try #require(IndexCommandTests.builtBinary())
        let docs = try folder(["list.md": "# Parts\n\n- gears\n- springs\n"])
        defer { try? FileManager.default.removeItem(at: docs) }
        let outcome = try RobustnessTests.run(binary, ["reader-data", docs.path, "--out", docs.appendingPathComponent("r.jsonl").path])
        #expect(outcome.status != 0 && outcome.stderr.contains("no statements"))
        #expect(!FileManager.default.fileExists(atPath: docs.appendingPathComponent("r.jsonl").path))
    }
}
