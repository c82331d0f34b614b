import Foundation
import ArgumentParser
import RagTuneModels
import RagTuneRAG
import RagTuneStorage

extension PromptBuilder.AnswerStyle: ExpressibleByArgument {}

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

    enum RerankerKind: String, ExpressibleByArgument, CaseIterable {
        case none, llm
        case crossEncoder = "cross-encoder"
    }

    @Option(help: """
        none; llm (SmolLM2's probability of answering "yes" to "does the passage answer the question?"); \
        or cross-encoder (a BERT cross-encoder's relevance score, from --reranker-model).
        """)
    var rerank: RerankerKind = .none

    @Option(name: .customLong("reranker-model"),
            help: "Cross-encoder folder for --rerank cross-encoder: config.json, tokenizer.json and model.safetensors with classifier weights.")
    var rerankerModel: String?

    @Option(name: .customLong("rerank-depth"), help: "Retrieved chunks the reranker re-orders.")
    var rerankDepth: Int = 10

    @Option(name: .customLong("expand-queries"),
            help: "Ask the generator for N rewrites of the question and fuse their results with the question's by reciprocal rank (0: off).")
    var expandQueries: Int = 0

    @Option(name: .customLong("compress-sentences"),
            help: "Show the generator only the N sentences of the packed sources most similar to the question (0: whole chunks).")
    var compressSentences: Int = 0

    @Option(name: .customLong("answer-style"),
            help: """
                short (Yes/No or the few words that answer, in the model's words; stops at the end of the \
                line), span (Yes/No, or words copied verbatim from one source and cited to it) or sentence.
                """)
    var answerStyle: PromptBuilder.AnswerStyle = .short

    enum YesNoMode: String, ExpressibleByArgument, CaseIterable { case score, generate }

    @Option(name: .customLong("yes-no"), help: """
        score (answer yes/no questions by the model's calibrated probability of "Yes" vs "No"; short style) \
        or generate (let the model write the reply).
        """)
    var yesNo: YesNoMode = .score

    /// The yes/no answerer `--yes-no` asks for.
    var yesNoAnswerer: YesNoAnswerer? { yesNo == .score ? YesNoAnswerer() : nil }

    @Flag(name: .customLong("allow-unsupported"), help: "Keep answers whose new information no source contains.")
    var allowUnsupported = false

    @OptionGroup var indexOptions: VectorIndexOptions

    func validate() throws {
        guard retrieveK >= 1, maxSources >= 1 else { throw ValidationError("--retrieve-k and --max-sources must be at least 1") }
        guard compressSentences >= 0, (0...8).contains(expandQueries) else {
            throw ValidationError("--compress-sentences must be 0 or more and --expand-queries 0...8")
        }
        guard contextTokens >= 64 else { throw ValidationError("--context-tokens must be at least 64") }
        guard (0...1).contains(mmrLambda) else { throw ValidationError("--mmr-lambda must be in 0...1") }
        guard rerankDepth >= 2 else { throw ValidationError("--rerank-depth must be at least 2") }
        if rerank == .crossEncoder && rerankerModel == nil {
            throw ValidationError("--rerank cross-encoder needs --reranker-model DIR")
        }
        if rerank != .crossEncoder && rerankerModel != nil {
            throw ValidationError("--reranker-model is only used with --rerank cross-encoder")
        }
    }

    /// The pipeline over `database` (opened read-only, before any model is loaded, so a wrong path
    /// fails at once), answering with `generator`.
    func pipeline(store database: SQLiteStore, generator: any AnswerGenerator, embedder: MiniLMEmbedder,
                  maxAnswerTokens: Int, threads: Int = 2) throws -> RAGPipeline {
        let searcher = try indexOptions.indexes(for: database.path, readOnly: true).searcher(for: database, mode: mode, vectorIndex: indexOptions.vectorIndex)
        var options = RAGPipeline.Options()
        options.mode = mode
        options.retrieveK = retrieveK
        options.contextTokens = contextTokens
        options.maxAnswerTokens = maxAnswerTokens
        options.minimumSimilarity = minSimilarity
        options.refuseUnsupported = !allowUnsupported
        options.prompt = PromptBuilder(answerStyle: answerStyle)
        options.yesNo = yesNoAnswerer
        options.compressor = compressSentences > 0 ? ContextCompressor(maxSentences: compressSentences) : nil
        options.queryExpander = expandQueries > 0 ? LLMQueryExpander(generator, count: expandQueries) : nil
        options.packer = ContextPacker(mmrLambda: mmrLambda, maxSources: maxSources)
        options.rerankDepth = rerankDepth
        options.reranker = try reranker(threads: threads) {
            try (generator as? LocalGenerator)?.generator ?? TextGenerator(threads: threads)
        }
        return RAGPipeline(searcher: searcher, store: database, embed: embedder.embed, generator: generator, options: options)
    }

    /// The reranker `--rerank` asks for (nil for none).
    /// - Parameter decoder: the local decoder the LLM reranker uses (called only for `--rerank llm`).
    /// - Throws: `ModelError` naming the file when `--reranker-model` has no classifier weights.
    func reranker(threads: Int, decoder: () throws -> TextGenerator) throws -> (any Reranker)? {
        switch rerank {
        case .none:
            return nil
        case .llm:
            return LLMRelevanceReranker(try decoder())
        case .crossEncoder:
            guard let rerankerModel else { throw ValidationError("--rerank cross-encoder needs --reranker-model DIR") }
            return try CrossEncoderReranker(directory: URL(fileURLWithPath: rerankerModel), threads: threads)
        }
    }
}
