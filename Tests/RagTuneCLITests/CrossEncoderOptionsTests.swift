import Foundation
import Testing
import RagTuneTestSupport
import RagTuneModels
import RagTuneRAG
@testable import ragtune

/// `--rerank cross-encoder --reranker-model DIR` parsing and loading.
@Suite struct CrossEncoderOptionsTests {
    @Test func crossEncoderNeedsAModelFolder() throws {
        #expect(throws: (any Error).self) { try RAGOptions.parse(["--rerank", "cross-encoder"]) }
        #expect(throws: (any Error).self) { try RAGOptions.parse(["--reranker-model", "/tmp/x"]) }
        #expect(throws: (any Error).self) { try RAGOptions.parse(["--rerank", "llm", "--reranker-model", "/tmp/x"]) }
        let options = try RAGOptions.parse(["--rerank", "cross-encoder", "--reranker-model", "/tmp/x"])
        #expect(options.rerank == .crossEncoder && options.rerankerModel == "/tmp/x")
        #expect(try RAGOptions.parse([]).rerank == .none)
        #expect(try RAGOptions.parse(["--rerank", "llm"]).rerank == .llm)
    }

    @Test(.needsMiniLM) func folderWithoutClassifierWeightsIsAnError() throws {
        let folder = TestModels.directory.folder(for: ModelCatalog.minilm).path
        let options = try RAGOptions.parse(["--rerank", "cross-encoder", "--reranker-model", folder])
        let error = #expect(throws: ModelError.self) { try options.configuration(maxAnswerTokens: 8).makeReranker(threads: 1, decoder: Self.unusedDecoder) }
        #expect(error?.description.contains("'classifier.weight' is missing") == true, "\(String(describing: error))")
        #expect(try RAGOptions.parse([]).configuration(maxAnswerTokens: 8).makeReranker(threads: 1, decoder: Self.unusedDecoder) == nil)
    }

    /// The decoder factory for rerankers other than `llm`: must not be called.
    static func unusedDecoder() throws -> TextGenerator {
        Issue.record("the decoder was loaded")
        throw ModelError.invalidInput("no decoder in this test")
    }
}
