import Foundation
import Testing
@testable import RagTuneEvaluation

@Suite struct LineReaderTests {
    func lines(_ text: String, chunkSize: Int) throws -> [String] {
        try TestFiles.with(text) { url in
            var result: [String] = []
            try LineReader(url: url, chunkSize: chunkSize).forEachLine { bytes, number in
                #expect(number == result.count + 1)
                result.append(LineReader.string(bytes) ?? "<invalid>")
            }
            return result
        }
    }

    @Test(arguments: [1, 2, 3, 5, 64, 1 << 20])
    func splitsAcrossChunkBoundaries(chunkSize: Int) throws {
        let text = "first\r\nsécond ☃ line\n\n  \nlast without newline"
        #expect(try lines(text, chunkSize: chunkSize) == ["first", "sécond ☃ line", "", "  ", "last without newline"])
    }

    @Test func emptyFileAndTrailingNewline() throws {
        #expect(try lines("", chunkSize: 4).isEmpty)
        #expect(try lines("a\n", chunkSize: 4) == ["a"])
        #expect(try lines("\u{FEFF}a\n\u{FEFF}b", chunkSize: 2) == ["a", "\u{FEFF}b"])   // only a leading BOM is dropped
    }

    @Test func missingFileNamesThePath() {
        let url = URL(fileURLWithPath: "/nonexistent/corpus.jsonl")
        let text = TestFiles.errorText { try LineReader(url: url).forEachLine { _, _ in } }
        #expect(text == "/nonexistent/corpus.jsonl: no such file")
    }
}
