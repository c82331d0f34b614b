import Foundation
import Testing
import RagTuneRetrieval
import RagTuneStorage
import RagTuneTestSupport
@testable import RagTuneRAG

/// `RAGPipeline(store:configuration:…)`: every setting reaches the pipeline, and the answer's JSON keeps its keys.
@Suite struct RAGConfigurationTests {
    private func store() throws -> KeywordStore {
        try KeywordStore(keywords: ["reactor", "honey"], documents: [
            ("reactor", "The Mordro-18 reactor was designed by Kesttov Kanaxdro.", []),
            ("honey", "Bees make honey from nectar.", []),
        ])
    }

    @Test func settingsReachThePipeline() throws {
        let store = try store()
        var configuration = RAGConfiguration()
        configuration.mode = .dense
        configuration.retrieveK = 7
        configuration.maxSources = 2
        configuration.contextTokens = 300
        configuration.minimumSimilarity = 0.4
        configuration.mmrLambda = 0.5
        configuration.rerankDepth = 4
        configuration.expandQueries = 2
        configuration.compressSentences = 3
        configuration.neighbours = 2
        configuration.answerStyle = .span
        configuration.scoresYesNo = false
        configuration.refuseUnsupported = false
        configuration.maxAnswerTokens = 33
        let pipeline = try RAGPipeline(store: store.store, configuration: configuration, generator: ScriptedGenerator(reply: "x"),
                                       embed: store.embed)
        let options = pipeline.options
        #expect(options.mode == .dense && options.retrieveK == 7 && options.contextTokens == 300 && options.minimumSimilarity == 0.4)
        #expect(options.packer.maxSources == 2 && options.packer.mmrLambda == 0.5 && options.rerankDepth == 4)
        #expect(options.queryExpander != nil && options.compressor?.maxSentences == 3 && options.prompt.answerStyle == .span)
        #expect(options.yesNo == nil && !options.refuseUnsupported && options.maxAnswerTokens == 33 && options.reranker == nil)
        #expect(options.expander?.neighbours == 2)
        let defaults = try RAGPipeline(store: store.store, configuration: RAGConfiguration(), generator: ScriptedGenerator(reply: "x"),
                                       embed: store.embed).options
        #expect(defaults.yesNo != nil && defaults.queryExpander == nil && defaults.compressor == nil && defaults.refuseUnsupported)
        #expect(defaults.expander == nil)
    }

    @Test func openingAMissingStoreFailsBeforeAnyModelLoads() throws {
        let error = #expect(throws: StorageError.self) {
            _ = try RAGPipeline.open(storePath: "/nonexistent/store.sqlite", configuration: RAGConfiguration(), generator: {
                Issue.record("the generator was loaded")
                return ScriptedGenerator(reply: "")
            })
        }
        #expect(error?.description.contains("/nonexistent/store.sqlite") == true)
    }

    @Test func aCrossEncoderFolderMustExist() throws {
        var configuration = RAGConfiguration()
        configuration.reranker = .crossEncoder(directory: "/nonexistent/cross-encoder")
        #expect(throws: (any Error).self) {
            _ = try configuration.makeReranker(threads: 1) { throw RAGError.missingPipeline }
        }
        #expect(try RAGConfiguration().makeReranker(threads: 1) { throw RAGError.missingPipeline } == nil)
    }

    /// `ask --json` keys; absent values are null, not missing.
    @Test func answerJSONKeysArePinned() throws {
        let store = try store()
        var configuration = RAGConfiguration()
        configuration.mode = .dense
        let pipeline = try RAGPipeline(store: store.store, configuration: configuration,
                                       generator: ScriptedGenerator(reply: "Kesttov Kanaxdro [1]"), embed: store.embed)
        let answer = try pipeline.answer("Who designed the Mordro-18 reactor?")
        let passage = ["n", "doc_id", "source", "title", "chunk", "start", "end", "score", "similarity", "excerpt"]
        let expected = ["question", "queries", "answer", "generated", "refused", "refusal", "citations", "sources", "retrieved",
                        "sentences", "sentences[].text", "sentences[].source", "sentences[].support", "sentences[].informative",
                        "evidence",
                        "usage", "usage.prompt_tokens", "usage.completion_tokens", "timings", "timings.*"]
            + ["citations", "sources", "retrieved"].flatMap { list in passage.map { "\(list)[].\($0)" } }
        #expect(try JSONKeys.paths(of: answer, wildcards: ["timings"]) == expected.sorted())
        let json = try JSONSerialization.jsonObject(with: JSONEncoder().encode(answer)) as? [String: Any]
        #expect(json?["refusal"] is NSNull && json?["refused"] as? Bool == false)
    }
}
