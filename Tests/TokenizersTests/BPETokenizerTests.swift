import Foundation
import Testing
import RagTuneTestSupport
import RagTuneTensor
@testable import RagTuneTokenizers

/// One line of `Fixtures/smollm2/tokenize.jsonl`.
struct SmolLM2TokenizeRow: Decodable, Sendable, CustomTestStringConvertible {
    var text: String
    var ids: [Int]
    var idsSpecialFalse: [Int]
    var testDescription: String { String(text.prefix(40)).debugDescription }
}

/// One line of `Fixtures/smollm2/chat.jsonl` (generation fields are checked by the model tests).
struct SmolLM2ChatRow: Decodable, Sendable, CustomTestStringConvertible {
    var messages: [ChatMessage]
    var prompt: String
    var promptIds: [Int]
    var testDescription: String { String(messages.last?.content.prefix(40) ?? "").debugDescription }
}

@Suite struct BPETokenizerTests {
    static let rows = TestResources.jsonLines("smollm2/tokenize.jsonl", as: SmolLM2TokenizeRow.self)
    static let chats = TestResources.jsonLines("smollm2/chat.jsonl", as: SmolLM2ChatRow.self)

    @Test func fixturesHaveAllRows() {
        #expect(Self.rows.count == 28)
        #expect(Self.chats.count == 6)
    }

    @Test(.needsSmolLM2, arguments: rows)
    func fixtureIds(_ row: SmolLM2TokenizeRow) throws {
        let tokenizer = try TestResources.smolLM2.get()
        #expect(tokenizer.encode(row.text, parseSpecial: true) == row.ids)
        #expect(tokenizer.encode(row.text) == row.idsSpecialFalse)   // plain text is the default
        #expect(tokenizer.encode(row.text, parseSpecial: false) == row.idsSpecialFalse)
        #expect(tokenizer.decode(row.ids) == row.text)
        #expect(tokenizer.decode(row.idsSpecialFalse) == row.text)
    }

    @Test(.needsSmolLM2, arguments: chats)
    func chatPromptIds(_ row: SmolLM2ChatRow) throws {
        let tokenizer = try TestResources.smolLM2.get()
        #expect(tokenizer.encode(row.prompt, parseSpecial: true) == row.promptIds)
        #expect(tokenizer.encode(ChatTemplate.smolLM2.pieces(row.messages)) == row.promptIds)
    }

    @Test(.needsSmolLM2) func specialIds() throws {
        let tokenizer = try TestResources.smolLM2.get()
        #expect(tokenizer.vocabularySize == 49152)
        #expect(tokenizer.bosId == 1 && tokenizer.eosId == 2)
        #expect(tokenizer.endOfTextId == 0 && tokenizer.imStartId == 1 && tokenizer.imEndId == 2)
        #expect(tokenizer.endOfGenerationIds == [0, 2, 4])
        #expect(tokenizer.tokenId(for: "Ġworld") == 905)
        #expect(tokenizer.token(for: 905) == "Ġworld")
        #expect(tokenizer.tokenType(of: 2) == .control && tokenizer.tokenType(of: 905) == .normal)
        #expect(tokenizer.decode([1, 4093, 198, 2], skipSpecial: true) == "user\n")
    }

    @Test(.needsSmolLM2) func emptyAndOutOfRange() throws {
        let tokenizer = try TestResources.smolLM2.get()
        #expect(tokenizer.encode("").isEmpty)
        #expect(tokenizer.decode([]).isEmpty)
        #expect(tokenizer.decode([-1, 19556, 1_000_000]) == "Hello")
    }

    /// Ids cut inside a character decode to U+FFFD without crashing; the bytes stay exact.
    @Test(.needsSmolLM2) func partialUTF8() throws {
        let tokenizer = try TestResources.smolLM2.get()
        let ids = tokenizer.encode("pizza 🍕!")
        let bytes = Array("pizza 🍕!".utf8)
        #expect(tokenizer.decodeBytes(ids) == bytes)
        for cut in 0...ids.count {
            let head = tokenizer.decodeBytes(Array(ids[..<cut])), tail = tokenizer.decodeBytes(Array(ids[cut...]))
            #expect(head + tail == bytes)
            _ = tokenizer.decode(Array(ids[..<cut]))
        }
        #expect(tokenizer.decode([tokenizer.tokenId(for: "ðŁ")!]) == "\u{FFFD}")
    }

    /// Random mixes of ASCII, accents, CJK, emoji and whitespace round-trip, with and without special parsing.
    @Test(.needsSmolLM2) func randomTextRoundTrips() throws {
        let tokenizer = try TestResources.smolLM2.get()
        let alphabet = "ab Z9 \n\t'sé中😀🏽,.-<|>\u{00A0}\u{200B}ß".map(String.init) + ["<|im_end|>", "'ll", "  ", "\n\n"]
        var generator = SplitMix64(seed: 7)
        for _ in 0..<300 {
            let count = Int(generator.next() % 40)
            let text = (0..<count).map { _ in alphabet[Int(generator.next() % UInt64(alphabet.count))] }.joined()
            #expect(tokenizer.decode(tokenizer.encode(text)) == text)
            #expect(tokenizer.decode(tokenizer.encode(text, parseSpecial: false)) == text)
        }
    }

    /// Long pieces take the heap path; it must agree with the scanning path.
    @Test(.needsSmolLM2) func longPiecesMatchShortPieceMerging() throws {
        let tokenizer = try TestResources.smolLM2.get()
        for word in ["internationalization", "antidisestablishmentarianism", "supercalifragilistic", "ĠĠ"] {
            let short = tokenizer.encode(word)
            let long = tokenizer.encode(String(repeating: word, count: 8))
            #expect(tokenizer.decode(long) == String(repeating: word, count: 8))
            #expect(!short.isEmpty)
        }
        // A 33-byte word (heap path) and its scanned halves decode identically.
        let word = "abcdefghijklmnopqrstuvwxyzabcdefg"
        #expect(tokenizer.decode(tokenizer.encode(word)) == word)
    }

    @Test(.needsSmolLM2) func megabyteInput() throws {
        let tokenizer = try TestResources.smolLM2.get()
        let sentence = "The reef, 2,300 km long, supports a huge diversity of life.\n"
        let text = String(repeating: sentence, count: 1_000_000 / sentence.utf8.count + 1)
        let ids = tokenizer.encode(text)
        #expect(ids.count == tokenizer.encode(sentence).count * (1_000_000 / sentence.utf8.count + 1))
        // One 1 MB piece without spaces goes through the heap merge.
        let word = String(repeating: "ab", count: 500_000)
        #expect(tokenizer.decode(tokenizer.encode(word)) == word)
        let spaces = String(repeating: " ", count: 1_000_000)
        #expect(tokenizer.decode(tokenizer.encode(spaces)) == spaces)
    }
}
