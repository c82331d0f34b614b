import Foundation
import Testing
import RagTuneTestSupport
@testable import RagTuneTokenizers

/// One line of `Fixtures/minilm/sentences.jsonl` (the embedding is checked by the model tests).
struct MiniLMRow: Decodable, Sendable, CustomTestStringConvertible {
    var text: String
    var ids: [Int]
    var testDescription: String { String(text.prefix(40)).debugDescription }
}

@Suite struct WordPieceTokenizerTests {
    static let rows = TestResources.jsonLines("minilm/sentences.jsonl", as: MiniLMRow.self)

    @Test func fixtureHasAllRows() {
        #expect(Self.rows.count == 28)
    }

    @Test(.needsMiniLM, arguments: rows)
    func fixtureIds(_ row: MiniLMRow) throws {
        let tokenizer = try TestResources.miniLM.get()
        #expect(tokenizer.encode(row.text) == row.ids)
    }

    @Test(.needsMiniLM) func vocabularyAndSpecialIds() throws {
        let tokenizer = try TestResources.miniLM.get()
        #expect(tokenizer.vocabularySize == 30522)
        #expect(tokenizer.classifierId == 101)
        #expect(tokenizer.separatorId == 102)
        #expect(tokenizer.unknownId == 100)
        #expect(tokenizer.paddingId == 0)
        #expect(tokenizer.maxLength == 256)
    }

    /// Expected values from Hugging Face `tokenizers` 0.23.3 on the same `tokenizer.json`.
    @Test(.needsMiniLM) func matchesHuggingFaceOnHardCases() throws {
        let tokenizer = try TestResources.miniLM.get()
        #expect(tokenizer.tokenize("unbelievable tokenization") == ["unbelievable", "token", "##ization"])
        // Special tokens in raw text are recognized, even glued to a word.
        #expect(tokenizer.encode("hello [SEP] world[MASK]!", parseSpecial: true) == [101, 7592, 102, 2088, 103, 999, 102])
        // Dotted capital I keeps its combining dot after lowercasing; ǅ → ǆ has no piece; ﬁ is not NFKC'd.
        #expect(tokenizer.encode("İstanbul ǅemal ﬁne Ⅻ ² ½") == [101, 9960, 100, 1984, 2638, 100, 1082, 1092, 102])
        // Hangul syllables are decomposed into jamo by NFD.
        #expect(tokenizer.encode("한국어 텍스트") == [101, 1469, 30006, 30021, 29991, 30014, 30020, 29999, 30008,
                                                  1467, 30009, 30020, 29997, 30017, 30003, 30017, 102])
        // \v, \f and NEL are control characters and vanish (joining words); U+2028 is whitespace.
        #expect(tokenizer.encode("a\u{0B}b\u{0C}c\u{85}d\u{2028}e") == [101, 5925, 2094, 1041, 102])
        // A combining mark alone, and one after a base letter, are both stripped.
        #expect(tokenizer.encode("cafe\u{301} \u{301}x") == [101, 7668, 1060, 102])
    }

    @Test(.needsMiniLM) func emptyAndWhitespaceOnly() throws {
        let tokenizer = try TestResources.miniLM.get()
        #expect(tokenizer.encode("") == [101, 102])
        #expect(tokenizer.encode(" \n\t\u{00A0}\u{200B}") == [101, 102])
        #expect(tokenizer.tokenize("").isEmpty)
    }

    @Test(.needsMiniLM) func decodeCleansUpLikeHuggingFace() throws {
        let tokenizer = try TestResources.miniLM.get()
        let ids = tokenizer.encode("Hello, world! I'm fine. Don't worry.")
        #expect(ids == [101, 7592, 1010, 2088, 999, 1045, 1005, 1049, 2986, 1012, 2123, 1005, 1056, 4737, 1012, 102])
        #expect(tokenizer.decode(ids) == "hello, world! i ' m fine. don ' t worry.")
        #expect(tokenizer.decode(tokenizer.encode("unbelievable tokenization")) == "unbelievable tokenization")
        #expect(tokenizer.decode([-1, 999_999]).isEmpty)
    }

    @Test(.needsMiniLM) func pairEncoding() throws {
        let tokenizer = try TestResources.miniLM.get()
        let pair = tokenizer.encodePair("What is BM25?", "BM25 is a ranking function used by search engines.")
        #expect(pair.ids == [101, 2054, 2003, 1038, 2213, 17788, 1029, 102, 1038, 2213, 17788, 2003, 1037, 5464,
                             3853, 2109, 2011, 3945, 5209, 1012, 102])
        #expect(pair.tokenTypeIds == Array(repeating: 0, count: 8) + Array(repeating: 1, count: 13))
    }

    /// Longest-first truncation, with lengths from Hugging Face `tokenizers` (`max_length` 256).
    @Test(.needsMiniLM, arguments: [(300, 10, 245, 11), (300, 200, 129, 127), (200, 300, 128, 128), (300, 300, 128, 128)])
    func pairTruncation(alphas: Int, betas: Int, typeZeros: Int, typeOnes: Int) throws {
        let tokenizer = try TestResources.miniLM.get()
        let a = Array(repeating: "alpha", count: alphas).joined(separator: " ")
        let b = Array(repeating: "beta", count: betas).joined(separator: " ")
        let pair = tokenizer.encodePair(a, b)
        #expect(pair.ids.count == typeZeros + typeOnes)
        #expect(pair.tokenTypeIds.filter { $0 == 0 }.count == typeZeros)
        #expect(pair.tokenTypeIds.filter { $0 == 1 }.count == typeOnes)
        #expect(pair.ids.first == 101 && pair.ids.last == 102 && pair.ids[typeZeros - 1] == 102)
    }

    @Test(.needsMiniLM) func megabyteInputIsTruncated() throws {
        let tokenizer = try TestResources.miniLM.get()
        let sentence = "Retrieval-augmented generation combines search with a language model. "
        let copies = 1_000_000 / sentence.utf8.count + 1
        let text = String(repeating: sentence, count: copies)
        let ids = tokenizer.encode(text)
        #expect(ids.count == 256)
        #expect(ids.first == 101 && ids.last == 102)
        #expect(tokenizer.tokenize(text) == Array([[String]](repeating: tokenizer.tokenize(sentence), count: copies).joined()))
        // One 1 MB word without spaces becomes a single [UNK].
        #expect(tokenizer.encode(String(repeating: "x", count: 1_000_000)) == [101, 100, 102])
    }

    @Test(.needsMiniLM) func shorterMaxLength() throws {
        let tokenizer = try WordPieceTokenizer(tokenizerJSON: TestResources.miniLMTokenizerURL, maxLength: 5)
        #expect(tokenizer.encode("This is an example sentence") == [101, 2023, 2003, 2019, 102])
        #expect(throws: TokenizerError.self) {
            try WordPieceTokenizer(tokenizerJSON: TestResources.miniLMTokenizerURL, maxLength: 2)
        }
    }
}
