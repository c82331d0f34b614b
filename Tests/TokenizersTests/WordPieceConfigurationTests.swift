import Foundation
import Testing
@testable import RagTuneTokenizers

/// WordPiece on small hand-written `tokenizer.json` files: options and error messages.
@Suite struct WordPieceConfigurationTests {
    /// Writes `json` to a fresh temporary `tokenizer.json`.
    func file(_ json: String) throws -> URL {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("wp-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let url = directory.appendingPathComponent("tokenizer.json")
        try Data(json.utf8).write(to: url)
        return url
    }

    let vocab = ###"{"[PAD]": 0, "[UNK]": 1, "[CLS]": 2, "[SEP]": 3, "un": 4, "##aff": 5, "##able": 6, "Un": 7, ",": 8, "é": 9}"###

    @Test func casedTokenizerKeepsCaseAndAccents() throws {
        let url = try file(#"""
            {"normalizer": {"type": "BertNormalizer", "lowercase": false, "strip_accents": null},
             "pre_tokenizer": {"type": "BertPreTokenizer"},
             "model": {"type": "WordPiece", "unk_token": "[UNK]", "vocab": \#(vocab)}}
            """#)
        let tokenizer = try WordPieceTokenizer(tokenizerJSON: url)
        #expect(tokenizer.tokenize("Unaffable,unable é") == ["Un", "##aff", "##able", ",", "un", "##able", "é"])
        #expect(tokenizer.encode("unaffable xyz") == [2, 4, 5, 6, 1, 3])
        #expect(tokenizer.decode([4, 5, 6, 8, 4]) == "unaffable, un")
    }

    @Test func wordLimitCountsScalars() throws {
        let url = try file(#"""
            {"model": {"type": "WordPiece", "unk_token": "[UNK]", "max_input_chars_per_word": 3,
                       "vocab": {"[UNK]": 0, "[CLS]": 1, "[SEP]": 2, "é": 3, "##é": 4}}}
            """#)
        let tokenizer = try WordPieceTokenizer(tokenizerJSON: url)
        #expect(tokenizer.encode("ééé éééé") == [1, 3, 4, 4, 0, 2])
    }

    @Test func errorsNameFileAndField() throws {
        let missingVocab = try file(#"{"model": {"type": "WordPiece", "unk_token": "[UNK]"}}"#)
        let error = #expect(throws: TokenizerError.self) { try WordPieceTokenizer(tokenizerJSON: missingVocab) }
        #expect(error?.description == "tokenizer.json: model.vocab missing")

        let bpe = try file(#"{"model": {"type": "BPE", "unk_token": "[UNK]", "vocab": {}}}"#)
        #expect(throws: TokenizerError.unsupported(file: "tokenizer.json", field: "model.type", value: "BPE")) {
            try WordPieceTokenizer(tokenizerJSON: bpe)
        }

        let noCLS = try file(#"{"model": {"type": "WordPiece", "unk_token": "[UNK]", "vocab": {"[UNK]": 0, "[SEP]": 1}}}"#)
        let missing = #expect(throws: TokenizerError.self) { try WordPieceTokenizer(tokenizerJSON: noCLS) }
        #expect(missing?.description == "tokenizer.json: post_processor: token [CLS] not in the vocabulary")

        let notJSON = try file("{")
        #expect(throws: TokenizerError.self) { try WordPieceTokenizer(tokenizerJSON: notJSON) }
        let absent = URL(fileURLWithPath: "/nonexistent/tokenizer.json")
        #expect(throws: TokenizerError.self) { try WordPieceTokenizer(tokenizerJSON: absent) }
    }
}
