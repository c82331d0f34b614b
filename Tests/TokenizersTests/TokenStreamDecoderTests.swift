import Testing
import RagTuneTestSupport
@testable import RagTuneTokenizers

@Suite struct TokenStreamDecoderTests {
    @Test func holdsBackUnfinishedCharacters() {
        let emoji = Array("😀".utf8)  // F0 9F 98 80
        #expect(TokenStreamDecoder.completePrefixLength([]) == 0)
        #expect(TokenStreamDecoder.completePrefixLength(Array("ab".utf8)) == 2)
        for cut in 1..<4 {
            #expect(TokenStreamDecoder.completePrefixLength([0x61] + emoji[..<cut]) == 1)
        }
        #expect(TokenStreamDecoder.completePrefixLength([0x61] + emoji) == 5)
        // Bytes that can never complete a character are not held back.
        #expect(TokenStreamDecoder.completePrefixLength([0x80, 0x80, 0x80, 0x80]) == 4)
        #expect(TokenStreamDecoder.completePrefixLength([0x61, 0xFF]) == 2)
        #expect(TokenStreamDecoder.completePrefixLength([0xC3, 0x61]) == 2)
    }

    @Test(.needsSmolLM2) func streamsTextOfEveryFixtureRow() throws {
        let tokenizer = try TestResources.smolLM2.get()
        for row in BPETokenizerTests.rows {
            var stream = TokenStreamDecoder(tokenizer: tokenizer, skipSpecial: false)
            var text = ""
            for id in row.ids {
                let piece = stream.append(id)
                #expect(!piece.contains("\u{FFFD}"))
                text += piece
            }
            text += stream.finish()
            #expect(text == row.text)
        }
    }

    @Test(.needsSmolLM2) func skipsControlTokensAndFlushesPartialCharacters() throws {
        let tokenizer = try TestResources.smolLM2.get()
        var stream = TokenStreamDecoder(tokenizer: tokenizer)
        var text = ""
        for id in tokenizer.encode("Hi 🍕<|im_end|>", parseSpecial: true) { text += stream.append(id) }
        #expect(text == "Hi 🍕")
        #expect(stream.append(tokenizer.tokenId(for: "ðŁ")!) == "")
        #expect(stream.finish() == "\u{FFFD}")
        #expect(stream.finish() == "")
    }
}
