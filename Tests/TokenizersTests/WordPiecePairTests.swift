import Foundation
import Testing
import RagTuneTestSupport
@testable import RagTuneTokenizers

/// One line of `Fixtures/cross-encoder/pairs.jsonl` (logits are checked by the model tests).
struct CrossEncoderPairRow: Decodable, Sendable, CustomTestStringConvertible {
    var question: String
    var passage: String
    var ids: [Int]
    var tokenTypeIds: [Int]
    var untruncatedLength: Int
    var testDescription: String { String(question.prefix(40)).debugDescription }
}

/// `encodePair` against Hugging Face `tokenizers` 0.23.3 (`longest_first` truncation).
@Suite struct WordPiecePairTests {
    static let rows = TestResources.jsonLines("cross-encoder/pairs.jsonl", as: CrossEncoderPairRow.self)

    @Test func fixtureHasTruncatedAndNonASCIIPairs() {
        #expect(Self.rows.count == 8)
        #expect(Self.rows.filter { $0.untruncatedLength > 512 }.count == 2)
        #expect(Self.rows.contains { !$0.passage.unicodeScalars.allSatisfy(\.isASCII) })
    }

    /// The cross-encoder fixture pairs at 512 tokens, ids and type ids exactly.
    @Test(.needsMiniLM, arguments: rows)
    func fixturePairs(_ row: CrossEncoderPairRow) throws {
        let tokenizer = try WordPieceTokenizer(tokenizerJSON: TestResources.miniLMTokenizerURL, maxLength: 512)
        let pair = tokenizer.encodePair(row.question, row.passage)
        #expect(pair.ids == row.ids)
        #expect(pair.tokenTypeIds == row.tokenTypeIds)
    }

    /// Longest-first with a 10-token budget (7 pieces): lengths of each side after truncation, from
    /// `tokenizers` on "alpha"×a / "beta"×b (one piece each).
    @Test(.needsMiniLM, arguments: [(5, 5, 3, 4), (2, 9, 2, 5), (9, 2, 5, 2), (4, 3, 4, 3), (0, 20, 0, 7),
                                    (20, 0, 7, 0), (8, 8, 3, 4), (3, 30, 3, 4)])
    func longestFirstTruncation(a: Int, b: Int, keptA: Int, keptB: Int) throws {
        let tokenizer = try WordPieceTokenizer(tokenizerJSON: TestResources.miniLMTokenizerURL, maxLength: 10)
        let pair = tokenizer.encodePair(Array(repeating: "alpha", count: a).joined(separator: " "),
                                        Array(repeating: "beta", count: b).joined(separator: " "))
        let alpha = 6541, beta = 8247
        #expect(pair.ids == [101] + Array(repeating: alpha, count: keptA) + [102] + Array(repeating: beta, count: keptB) + [102])
        #expect(pair.tokenTypeIds == Array(repeating: 0, count: keptA + 2) + Array(repeating: 1, count: keptB + 1))
    }
}
