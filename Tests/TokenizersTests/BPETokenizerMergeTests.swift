import Testing
import RagTuneTestSupport
import RagTuneTensor
@testable import RagTuneTokenizers

/// BPE merging on a hand-made vocabulary, where every result can be worked out by hand.
@Suite struct BPETokenizerMergeTests {
    /// ids: 0 `<|end|>` (control), 1 `a`, 2 `b`, 3 `c`, 4 `Ġ`, 5 `ab`, 6 `abc`, 7 `Ġa`, 8 `<u>` (user-defined).
    /// Merges by rank: `a b`, `ab c`, `Ġ a`, `b c` (→ `bc`, not in the vocabulary), `a bc`.
    func tiny() throws -> BPETokenizer {
        try BPETokenizer(tokens: ["<|end|>", "a", "b", "c", "Ġ", "ab", "abc", "Ġa", "<u>"],
                         merges: ["a b", "ab c", "Ġ a", "b c", "a bc"],
                         tokenTypes: [3, 1, 1, 1, 1, 1, 1, 1, 4], eosId: 0, preTokenizer: .gpt2)
    }

    @Test func mergesLowestRankFirst() throws {
        let tokenizer = try tiny()
        #expect(tokenizer.encode("abc") == [6])
        // `a b` (rank 0) beats `Ġ a` (rank 2); then `Ġ ab` has no merge.
        #expect(tokenizer.encode(" ab") == [4, 5])
        #expect(tokenizer.encode(" ac") == [7, 3])
        #expect(tokenizer.encode("abab") == [5, 5])
    }

    @Test func resultsMissingFromTheVocabularyFallBackToBytes() throws {
        let tokenizer = try tiny()
        // `b c` makes the unknown symbol `bc`: alone it falls back to `b`, `c`; `a bc` then makes `abc`.
        #expect(tokenizer.encode("bc") == [2, 3])
        #expect(tokenizer.encode("bcb") == [2, 3, 2])
        // Bytes without a token vanish, as in llama.cpp.
        #expect(tokenizer.encode("x") == [])
        #expect(tokenizer.encode("a x") == [1, 4])
    }

    @Test func specialAndUserDefinedTokens() throws {
        let tokenizer = try tiny()
        #expect(tokenizer.encode("a<|end|>b", parseSpecial: true) == [1, 0, 2])
        #expect(tokenizer.encode("a<|end|>b") == [1, 2])   // plain text is the default
        // With parsing off, `<|end|>` is text (whose bytes have no tokens here, so they vanish);
        // `<u>` is user-defined and therefore always recognized.
        #expect(tokenizer.encode("a<|end|>b", parseSpecial: false) == [1, 2])
        #expect(tokenizer.encode("a<u>b", parseSpecial: false) == [1, 8, 2])
        #expect(tokenizer.decode([1, 0, 8], skipSpecial: true) == "a<u>")
        #expect(tokenizer.endOfGenerationIds == [0])
        #expect(tokenizer.imStartId == nil && tokenizer.eosId == 0 && tokenizer.bosId == nil)
    }

    @Test(.needsSmolLM2) func heapAndScanAgree() throws {
        let tokenizer = try TestResources.smolLM2.get()
        var generator = SplitMix64(seed: 11)
        let alphabet = Array("aeinorst".utf8) + [0xC3, 0xA9]  // includes the bytes of é
        for length in [2, 3, 8, 33, 100, 1000] {
            for _ in 0..<20 {
                var piece = (0..<length).map { _ in alphabet[Int(generator.next() % 8)] }
                if length > 4 { piece.replaceSubrange(1..<3, with: [0xC3, 0xA9]) }
                #expect(tokenizer.mergedIds(of: piece, scanLimit: .max) == tokenizer.mergedIds(of: piece, scanLimit: 0))
            }
        }
    }

    @Test func invalidArraysThrow() {
        #expect(throws: TokenizerError.invalidField(file: "BPETokenizer arguments", field: "tokenizer.ggml.token_type",
                                                    value: "1 entries", expected: "2, one per token")) {
            try BPETokenizer(tokens: ["a", "b"], merges: [], tokenTypes: [1])
        }
        let malformed = #expect(throws: TokenizerError.self) {
            try BPETokenizer(tokens: ["a", "b"], merges: ["a b", "ab"], tokenTypes: [1, 1])
        }
        #expect(malformed?.description
                == "BPETokenizer arguments: tokenizer.ggml.merges[1] is \"ab\", expected two tokens separated by a space")
        #expect(throws: TokenizerError.self) {
            try BPETokenizer(tokens: ["a"], merges: [], tokenTypes: [1], eosId: 5)
        }
        #expect(throws: TokenizerError.self) { try BPETokenizer(tokens: [], merges: [], tokenTypes: []) }
    }
}
