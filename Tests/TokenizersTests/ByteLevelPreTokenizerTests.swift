import Testing
@testable import RagTuneTokenizers

/// The hand-written GPT-2 pattern, on the cases the SmolLM2 fixture README spells out.
@Suite struct ByteLevelPreTokenizerTests {
    func pieces(_ text: String, splitsDigits: Bool = true) -> [String] {
        var result = [String](), scratch = ByteLevelPreTokenizer.Scratch()
        var text = text
        text.withUTF8 { bytes in
            ByteLevelPreTokenizer(splitsDigits: splitsDigits).forEachPiece(in: bytes, range: 0..<bytes.count,
                                                                           scratch: &scratch) { range in
                result.append(String(decoding: UnsafeBufferPointer(rebasing: bytes[range]), as: UTF8.self))
            }
        }
        return result
    }

    @Test func whitespaceRunsGiveUpTheirLastCharacter() {
        #expect(pieces("line1\nline2\n\nline4\n\n\n") == ["line", "1", "\n", "line", "2", "\n", "\n", "line", "4", "\n\n\n"])
        #expect(pieces("):\n    return") == ["):", "\n   ", " return"])
        #expect(pieces("\tTabbed\t\tline") == ["\t", "Tabbed", "\t", "\t", "line"])
        #expect(pieces("multiple   spaces  ") == ["multiple", "  ", " spaces", "  "])
        #expect(pieces("non\u{A0}breaking zero\u{200B}width") == ["non", "\u{A0}", "breaking", " zero", "\u{200B}", "width"])
    }

    @Test func digitsAndContractions() {
        #expect(pieces("in 2024-05") == ["in", " ", "2", "0", "2", "4", "-", "0", "5"])
        #expect(pieces("in 2024-05", splitsDigits: false) == ["in", " 2024", "-", "05"])
        #expect(pieces("don't IT'S we'll '5") == ["don", "'t", " IT", "'", "S", " we", "'ll", " '", "5"])
        #expect(pieces("x²½") == ["x", "²", "½"])
    }

    @Test func lettersSymbolsAndEmpty() {
        #expect(pieces("") == [])
        #expect(pieces("Café, naïve 北京!") == ["Café", ",", " naïve", " 北京", "!"])
        #expect(pieces(" {\"a\": [1]} 😀👍🏽") == [" {\"", "a", "\":", " [", "1", "]}", " 😀👍🏽"])
    }
}
