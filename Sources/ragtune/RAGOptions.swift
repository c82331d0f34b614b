import Foundation
import ArgumentParser
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

    @Option(help: """
        Show each source with up to N chunks on each side of it in its document (small-to-big: index small \
        chunks, e.g. --chunk-tokens 48 --overlap 0, so the ones that match rank first, and read them in context; 0: off).
        """)
    var neighbours: Int = 0

    @Option(name: .customLong("answer-style"),
            help: """
                extract (Yes/No, or a span of the best evidence sentence, chosen by the decoder's likelihood and \
                the sentence's relevance and cited to its source; refuses when no sentence holds the question's \
                names and numbers), short (Yes/No or the few words that answer, in the model's words; stops at \
                the end of the line), span (Yes/No, or words copied verbatim from one source and cited to it) or \
                sentence.
                """)
    var answerStyle: PromptBuilder.AnswerStyle = .extract

    @Flag(name: .customLong("reader-refuses"), help: """
        With --answer-style extract: also score the reply "not found" and refuse when it wins (for an --adapter \
        trained on `ragtune reader-data` examples; the base model says it too often).
        """)
    var readerRefuses = false

    enum YesNoMode: String, ExpressibleByArgument, CaseIterable { case score, generate }

    @Option(name: .customLong("yes-no"), help: """
        score (answer yes/no questions by the model's calibrated probability of "Yes" vs "No"; not in the sentence style) \
        or generate (let the model write the reply).
        """)
    var yesNo: YesNoMode = .score

    @Flag(name: .customLong("allow-unsupported"), help: "Keep answers whose new information no source contains.")
    var allowUnsupported = false

    @OptionGroup var indexOptions: VectorIndexOptions

    func validate() throws {
        guard retrieveK >= 1, maxSources >= 1 else { throw ValidationError("--retrieve-k and --max-sources must be at least 1") }
        guard compressSentences >= 0, (0...8).contains(expandQueries) else {
            throw ValidationError("--compress-sentences must be 0 or more and --expand-queries 0...8")
        }
        guard (0...8).contains(neighbours) else { throw ValidationError("--neighbours must be in 0...8") }
        if neighbours > 0 && compressSentences > 0 {
            throw ValidationError("--neighbours widens the sources and --compress-sentences narrows them: use one")
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

    /// The RAG settings these flags give, answering in at most `maxAnswerTokens` tokens.
    func configuration(maxAnswerTokens: Int) -> RAGConfiguration {
        var configuration = RAGConfiguration()
        configuration.mode = mode
        configuration.retrieveK = retrieveK
        configuration.maxSources = maxSources
        configuration.contextTokens = contextTokens
        configuration.minimumSimilarity = minSimilarity
        configuration.mmrLambda = mmrLambda
        switch rerank {
        case .none: configuration.reranker = .none
        case .llm: configuration.reranker = .llm
        case .crossEncoder: configuration.reranker = .crossEncoder(directory: rerankerModel ?? "")
        }
        configuration.rerankDepth = rerankDepth
        configuration.expandQueries = expandQueries
        configuration.compressSentences = compressSentences
        configuration.neighbours = neighbours
        configuration.answerStyle = answerStyle
        configuration.readerRefuses = readerRefuses
        configuration.scoresYesNo = yesNo == .score
        configuration.refuseUnsupported = !allowUnsupported
        configuration.maxAnswerTokens = maxAnswerTokens
        configuration.vectorIndex = indexOptions.vectorIndex
        configuration.hnsw = indexOptions.hnswParameters
        return configuration
    }
}
