import RagTuneStorage

/// Everything `RAGPipeline.answer` did for one question: the answer, its citations mapped to
/// source documents, what was retrieved, per-sentence support and per-stage timings.
public struct RAGAnswer: Sendable {
    public var question: String
    /// The search queries retrieval ran: the question first, then any rewrites (`QueryExpander`).
    public var queries: [String]
    /// The answer shown to the user (`PromptBuilder.notFound` when refused).
    public var answer: String
    /// What the generator wrote, before grounding (nil when nothing was generated).
    public var generated: String?
    /// Why the pipeline answered "not found" instead, or nil.
    public var refusal: Refusal?
    /// Sources cited by the answer, in order of first citation.
    public var citations: [SourcePassage]
    /// Sources shown to the generator.
    public var sources: [SourcePassage]
    /// Every chunk retrieved, best first (before packing).
    public var retrieved: [SourcePassage]
    public var sentences: [Grounder.SentenceSupport]
    /// The evidence sentences the extractive reader ranked best, best first (the `extract` style;
    /// empty otherwise). The answer is a span of one of them, cited to its source.
    public var evidence: [ExtractiveReader.Evidence] = []
    /// Seconds per stage: expand (with query expansion), embed, retrieve, rerank, pack, compress (with compression), prompt (prefill), generate, ground, total.
    public var timings: [String: Double]
    public var promptTokens: Int
    public var completionTokens: Int

    /// Whether the generator wrote something that the refusal replaced (false when nothing was
    /// generated or the generator itself wrote the refusal).
    public var replacedGenerated: Bool { refusal != nil && generated != nil && generated != answer }

    public enum Refusal: String, Sendable {
        /// No retrieved chunk was similar enough to the question.
        case noRelevantSources = "no_relevant_sources"
        /// The generator said the sources lack the answer.
        case generatorDeclined = "generator_declined"
        /// The answer's new information is in none of the sources, and it cites none.
        case unsupportedAnswer = "unsupported_answer"
    }
}
