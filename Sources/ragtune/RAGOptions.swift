import ArgumentParser
import RagTuneModels
import RagTuneRAG
import RagTuneStorage

/// How RAG retrieves, packs and grounds (`ask`, `eval qa`).
struct RAGOptions: ParsableArguments {
    @Option(help: "bm25, dense or hybrid retrieval.")
    var mode: SearchMode = .hybrid

    @Option(name: .customLong("retrieve-k"), help: "Chunks retrieved before packing.")
    var retrieveK: Int = 20

    @Option(name: .customLong("max-sources"), help: "Most chunks shown to the model.")
    var maxSources: Int = 3

    @Option(name: .customLong("context-tokens"), help: "Token budget of the sources in the prompt.")
    var contextTokens: Int = 1024

    @Option(name: .customLong("min-similarity"), help: "Refuse when the best chunk's cosine similarity to the question is below this.")
    var minSimilarity: Float = 0.25

    @Option(name: .customLong("mmr-lambda"), help: "1 = rank by relevance; lower values prefer diverse sources (MMR).")
    var mmrLambda: Double = 1

    enum RerankerKind: String, ExpressibleByArgument, CaseIterable { case none, llm }

    @Option(help: "none, or llm (SmolLM2's probability of answering \"yes\" to \"does the passage answer the question?\").")
    var rerank: RerankerKind = .none

    @Option(name: .customLong("rerank-depth"), help: "Retrieved chunks the reranker re-orders.")
    var rerankDepth: Int = 10

    @Flag(name: .customLong("allow-unsupported"), help: "Keep answers whose new information no source contains.")
    var allowUnsupported = false

    @OptionGroup var indexOptions: VectorIndexOptions

    func validate() throws {
        guard retrieveK >= 1, maxSources >= 1 else { throw ValidationError("--retrieve-k and --max-sources must be at least 1") }
        guard contextTokens >= 64 else { throw ValidationError("--context-tokens must be at least 64") }
        guard (0...1).contains(mmrLambda) else { throw ValidationError("--mmr-lambda must be in 0...1") }
        guard rerankDepth >= 2 else { throw ValidationError("--rerank-depth must be at least 2") }
    }

    /// The pipeline over the store at `path`, answering with `generator`.
    func pipeline(store path: String, generator: any AnswerGenerator, embedder: MiniLMEmbedder,
                  maxAnswerTokens: Int, threads: Int = 2) throws -> RAGPipeline {
        let database = try SQLiteStore(path: path)
        let searcher = try indexOptions.indexes(for: path).searcher(for: database, mode: mode, vectorIndex: indexOptions.vectorIndex)
        var options = RAGPipeline.Options()
        options.mode = mode
        options.retrieveK = retrieveK
        options.contextTokens = contextTokens
        options.maxAnswerTokens = maxAnswerTokens
        options.minimumSimilarity = minSimilarity
        options.refuseUnsupported = !allowUnsupported
        options.packer = ContextPacker(mmrLambda: mmrLambda, maxSources: maxSources)
        options.rerankDepth = rerankDepth
        if rerank == .llm {
            options.reranker = LLMRelevanceReranker(try (generator as? LocalGenerator)?.generator ?? TextGenerator(threads: threads))
        }
        return RAGPipeline(searcher: searcher, store: database, embed: embedder.embed, generator: generator, options: options)
    }
}
