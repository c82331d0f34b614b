import Foundation
import RagTuneModels
import RagTuneRetrieval
import RagTuneStorage

/// Every choice a user makes about how RAG retrieves, packs, reranks, answers and grounds, as plain
/// values: the flags of `ask` and `eval qa`, a served collection or a `compare` arm map to one of
/// these, and `RAGPipeline(store:configuration:…)` turns it into a pipeline. The defaults are the
/// CLI's defaults.
public struct RAGConfiguration: Sendable, Equatable {
    /// Which reranker re-orders the retrieved chunks.
    public enum RerankerChoice: Sendable, Equatable {
        case none
        /// SmolLM2's probability of "yes" to "does the passage answer the question?".
        case llm
        /// A BERT cross-encoder folder (config.json, tokenizer.json, model.safetensors with a classifier).
        case crossEncoder(directory: String)
    }

    public var mode: SearchMode = .hybrid
    /// Chunks retrieved before packing.
    public var retrieveK = 20
    /// Most chunks shown to the model.
    public var maxSources = 3
    /// Token budget of the sources in the prompt.
    public var contextTokens = 1024
    /// Refuse when the best chunk's cosine similarity to the question is below this.
    public var minimumSimilarity: Float = 0.25
    /// 1 ranks by relevance; lower values prefer diverse sources (MMR).
    public var mmrLambda: Double = 1
    public var reranker: RerankerChoice = .none
    /// Retrieved chunks the reranker re-orders.
    public var rerankDepth = 10
    /// Rewrites of the question asked of the generator and fused by reciprocal rank (0: off).
    public var expandQueries = 0
    /// Sentences of the packed sources shown to the generator (0: whole chunks).
    public var compressSentences = 0
    /// Chunks shown on each side of every packed source (small-to-big; 0: the chunk alone).
    public var neighbours = 0
    public var answerStyle: PromptBuilder.AnswerStyle = .extract
    /// In the `extract` style, also score the reply "not found" and refuse when it wins: for a
    /// reader adapter trained on `ragtune reader-data` examples, which learned to give it.
    public var readerRefuses = false
    /// Answer yes/no questions by calibrated log-odds of "Yes" vs "No" instead of generating.
    public var scoresYesNo = true
    /// Replace answers whose new information no source contains by a refusal.
    public var refuseUnsupported = true
    /// Longest answer, in tokens.
    public var maxAnswerTokens = 128
    /// The store's vector index and its HNSW settings.
    public var vectorIndex: VectorIndexChoice = .auto
    public var hnsw = StoreIndexes.HNSWParameters()

    public init() {}

    /// The yes/no answerer `scoresYesNo` asks for.
    public var yesNoAnswerer: YesNoAnswerer? { scoresYesNo ? YesNoAnswerer() : nil }

    /// The reranker `reranker` asks for (nil for none).
    /// - Parameter decoder: the local decoder of the LLM reranker (called only for `.llm`).
    /// - Throws: `ModelError` naming the file when a cross-encoder folder has no classifier weights.
    public func makeReranker(threads: Int, decoder: () throws -> TextGenerator) throws -> (any Reranker)? {
        switch reranker {
        case .none: return nil
        case .llm: return LLMRelevanceReranker(try decoder())
        case .crossEncoder(let directory):
            return try CrossEncoderReranker(directory: URL(fileURLWithPath: directory), threads: threads)
        }
    }
}

extension RAGPipeline {
    /// A pipeline over `store` configured by `configuration`, answering with `generator`. The
    /// store's saved indexes are read (a stale index is rebuilt in memory, never saved: readers
    /// do not write).
    /// - Parameters:
    ///   - embed: embeds texts with the store's model (MiniLM for stores built by `index`).
    ///   - threads: threads of the rerankers this builds.
    ///   - log: receives index rebuild notes.
    public convenience init(store: some DocumentStore, configuration: RAGConfiguration, generator: any AnswerGenerator,
                            embed: @escaping ([String]) throws -> [[Float]], threads: Int = 2,
                            log: @escaping @Sendable (String) -> Void = { _ in }) throws {
        let searcher = try StoreIndexes(storePath: store.path, hnswParameters: configuration.hnsw, savesRebuiltIndexes: false, log: log)
            .searcher(for: store, mode: configuration.mode, vectorIndex: configuration.vectorIndex)
        var options = Options()
        options.mode = configuration.mode
        options.retrieveK = configuration.retrieveK
        options.contextTokens = configuration.contextTokens
        options.maxAnswerTokens = configuration.maxAnswerTokens
        options.minimumSimilarity = configuration.minimumSimilarity
        options.refuseUnsupported = configuration.refuseUnsupported
        options.prompt = PromptBuilder(answerStyle: configuration.answerStyle)
        options.reader.offersNoAnswer = configuration.readerRefuses
        options.yesNo = configuration.yesNoAnswerer
        options.compressor = configuration.compressSentences > 0 ? ContextCompressor(maxSentences: configuration.compressSentences) : nil
        options.expander = configuration.neighbours > 0 ? NeighbourExpander(neighbours: configuration.neighbours) : nil
        options.queryExpander = configuration.expandQueries > 0 ? LLMQueryExpander(generator, count: configuration.expandQueries) : nil
        options.packer = ContextPacker(mmrLambda: configuration.mmrLambda, maxSources: configuration.maxSources)
        options.rerankDepth = configuration.rerankDepth
        options.reranker = try configuration.makeReranker(threads: threads) {
            try (generator as? LocalGenerator)?.generator ?? TextGenerator(threads: threads)
        }
        self.init(searcher: searcher, store: store, embed: embed, generator: generator, options: options)
    }
}

extension RAGPipeline {
    /// Opens the store at `storePath` read-only (before any model loads, so a wrong path fails at
    /// once), loads MiniLM and the generator, and builds the pipeline `configuration` describes:
    /// everything `ask` needs before its first question (a server keeps the result for many).
    /// - Parameter makeGenerator: loads the generator; called after the store opened.
    public static func open(storePath: String, configuration: RAGConfiguration,
                            generator makeGenerator: () throws -> any AnswerGenerator, threads: Int = 2,
                            log: @escaping @Sendable (String) -> Void = { _ in }) throws -> RAGPipeline {
        let store = try AnyDocumentStore.open(storePath, mode: .readOnly)
        let embedder = try MiniLMEmbedder(threads: threads)
        return try RAGPipeline(store: store, configuration: configuration, generator: makeGenerator(), embed: embedder.embed,
                               threads: threads, log: log)
    }
}
