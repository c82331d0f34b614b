import Foundation
import RagTuneRetrieval
import RagTuneStorage
import RagTuneTokenizers

/// Retrieval-augmented answering: embed the question → hybrid (or BM25/dense) retrieval with the
/// caller's ACL and filters → similarity check (refuse when nothing relevant was found) → pack
/// the context (dedupe, optional MMR, token budget) → ChatML prompt with numbered sources →
/// generate → ground the answer in its sources (citations checked and inferred, unsupported
/// answers refused).
public final class RAGPipeline {
    public let searcher: any ChunkRetriever
    public let store: any DocumentStore
    /// Embeds texts with the model the store was built with.
    public let embed: ([String]) throws -> [[Float]]
    public let generator: any AnswerGenerator
    public var options: Options

    /// The pipeline's settings.
    public struct Options {
        public var mode: SearchMode = .hybrid
        public var fusion: FusionMethod = .weighted(denseWeight: 0.5)
        /// Chunks retrieved before packing.
        public var retrieveK = 20
        /// Below this cosine similarity between the question and its best chunk, answer "not found"
        /// without generating.
        public var minimumSimilarity: Float = 0.25
        /// Tokens the sources may take in the prompt.
        public var contextTokens = 1024
        public var maxAnswerTokens = 128
        /// Replace answers the sources do not support by "not found".
        public var refuseUnsupported = true
        /// Re-orders the best `rerankDepth` retrieved chunks before packing (nil: keep the retriever's order).
        public var reranker: (any Reranker)? = nil
        /// Adds search queries (rewrites) to the question; their result lists are fused with the
        /// question's by reciprocal rank (nil: the question alone).
        public var queryExpander: (any QueryExpander)? = nil
        public var rerankDepth = 10
        public var packer = ContextPacker()
        /// Keeps only the sentences of the packed sources most similar to the question (nil: whole chunks).
        public var compressor: ContextCompressor? = nil
        /// Shows each packed source with the chunks around it in its document (small-to-big; nil: the chunk alone).
        public var expander: NeighbourExpander? = nil
        public var grounder = Grounder()
        public var prompt = PromptBuilder()
        /// Copies answers from evidence sentences in the `extract` answer style.
        public var reader = ExtractiveReader()
        /// Scores yes/no questions instead of generating, citing the top source (short answer
        /// style and a generator that can score only; nil: always generate).
        public var yesNo: YesNoAnswerer? = YesNoAnswerer()

        public init() {}
    }

    public init(searcher: any ChunkRetriever, store: any DocumentStore, embed: @escaping ([String]) throws -> [[Float]],
                generator: any AnswerGenerator, options: Options = Options()) {
        self.searcher = searcher
        self.store = store
        self.embed = embed
        self.generator = generator
        self.options = options
    }

    /// What retrieval gives the reader for a question: the search queries, the retrieved chunks
    /// (numbered in rank order), and the packed (and compressed) sources shown to the generator;
    /// `relevant` is false when no chunk is similar enough to the question (the answer is then
    /// "not found" without generating, and `sources` is empty).
    public struct Retrieval {
        public var queries: [String]
        public var retrieved: [SourcePassage]
        public var sources: [SourcePassage]
        public var relevant: Bool
    }

    /// Retrieves, reranks, packs and compresses the sources for `question` as `user`, as `answer` does.
    public func retrieval(for question: String, user: String? = nil, filters: [(key: String, value: String)] = []) throws -> Retrieval {
        var clock = StageClock()
        return try retrieval(for: question, readers: Self.readers(user), filters: filters, clock: &clock)
    }

    /// Answers `question` as `user`, streaming generated text to `onText`.
    public func answer(_ question: String, user: String? = nil, filters: [(key: String, value: String)] = [],
                       onText: (String) -> Void = { _ in }) throws -> RAGAnswer {
        try answer(question, readers: Self.readers(user), filters: filters, onText: onText)
    }

    /// Answers `question` for a caller known by any of `readers` (a server key's ACL groups):
    /// restricted chunks are seen when their ACL lists one of the names.
    public func answer(_ question: String, readers: Set<String>, filters: [(key: String, value: String)] = [],
                       onText: (String) -> Void = { _ in }) throws -> RAGAnswer {
        var clock = StageClock()
        let found = try retrieval(for: question, readers: readers, filters: filters, clock: &clock)
        var result = RAGAnswer(question: question, queries: found.queries, answer: PromptBuilder.notFound, generated: nil, refusal: nil,
                               citations: [], sources: [], retrieved: found.retrieved, sentences: [], timings: [:],
                               promptTokens: 0, completionTokens: 0)
        guard found.relevant else {
            result.refusal = .noRelevantSources
            result.timings = clock.finish()
            return result
        }
        let sources = found.sources, retrieved = found.retrieved
        result.sources = sources
        let generated = try generate(question, sources: sources, retrieved: retrieved, onText: onText) { result.evidence = $0 }
        clock.record("prompt", generated.promptSeconds)
        clock.lap("generate", minus: generated.promptSeconds)
        result.generated = generated.text
        result.promptTokens = generated.promptTokens
        result.completionTokens = generated.completionTokens
        let grounded = options.grounder.ground(answer: generated.text, question: question, sources: sources)
        result.sentences = grounded.sentences
        let lowered = grounded.text.lowercased()
        if ["not found in the", "not found within the", "not found in any"].contains(where: lowered.contains) {
            result.refusal = .generatorDeclined
        } else if !grounded.isSupported && options.refuseUnsupported {
            result.refusal = .unsupportedAnswer
        } else {
            result.answer = grounded.text
            result.citations = grounded.citations.compactMap { n in sources.first { $0.number == n } }
        }
        clock.lap("ground")
        result.timings = clock.finish()
        return result
    }

    /// The names a `user` is known by (none: an anonymous caller).
    private static func readers(_ user: String?) -> Set<String> { Set(user.map { [$0] } ?? []) }

    /// `retrieval(for:user:filters:)` for the names in `readers`, timing its stages on `clock`.
    private func retrieval(for question: String, readers: Set<String>, filters: [(key: String, value: String)],
                           clock: inout StageClock) throws -> Retrieval {
        var queries = [question]
        if let expander = options.queryExpander {
            queries += try expander.expand(question)
            clock.lap("expand")
        }
        let embeddings = try embed(queries)
        let queryEmbedding = embeddings[0]
        clock.lap("embed")
        var hits = try retrieve(queries, embeddings: embeddings, readers: readers, filters: filters)
        clock.lap("retrieve")
        let stored = try store.embeddings(ofChunks: hits.map(\.chunk.id))
        if let reranker = options.reranker, hits.count > 1 {
            let head = Array(hits.prefix(options.rerankDepth))
            let scores: [Float] = try reranker.scores(question: question, passages: head.map { $0.chunk })
            let order = head.indices.sorted { a, b in scores[a] != scores[b] ? scores[a] > scores[b] : a < b }
            let reranked: [(chunk: StoredChunk, score: Float)] = order.map { (chunk: head[$0].chunk, score: scores[$0]) }
            hits = reranked + hits.dropFirst(head.count)
        }
        let candidates = hits.map { hit in
            (chunk: hit.chunk, score: hit.score, similarity: stored[hit.chunk.id].map { Self.cosine($0, queryEmbedding) })
        }
        let retrieved = candidates.enumerated().map {
            SourcePassage(number: $0 + 1, chunk: $1.chunk, score: $1.score, similarity: $1.similarity)
        }
        clock.lap("rerank")
        let best = candidates.compactMap(\.similarity).max() ?? (candidates.isEmpty ? -1 : 1)
        guard best >= options.minimumSimilarity else {
            return Retrieval(queries: queries, retrieved: retrieved, sources: [], relevant: false)
        }
        let frame = generator.countTokens(options.prompt.messages(question: question, sources: []))
        let budget = min(options.contextTokens, generator.contextTokens - frame - options.maxAnswerTokens)
        let cost = { (chunk: StoredChunk) in
            self.generator.countTokens(self.options.prompt.render(SourcePassage(number: 99, chunk: chunk, score: 0, similarity: nil))) + 2
        }
        var sources = options.packer.pack(candidates, tokenBudget: budget, tokens: cost)
        clock.lap("pack")
        if let expander = options.expander {
            var nearby: [String: [Int: StoredChunk]] = [:]
            for chunk in try searcher.neighbours(of: sources.map(\.chunk), radius: expander.neighbours, readers: readers) {
                nearby[chunk.documentID, default: [:]][chunk.ordinal] = chunk
            }
            sources = expander.expand(sources, tokenBudget: budget, chunk: { document, ordinal in nearby[document]?[ordinal] },
                                      tokens: cost)
            clock.lap("neighbours")
        }
        if let compressor = options.compressor {
            sources = try compressor.compress(sources, question: queryEmbedding, embed: embed)
            clock.lap("compress")
        }
        return Retrieval(queries: queries, retrieved: retrieved, sources: sources, relevant: true)
    }

    /// The reply to `question` over `sources`: scored for a yes/no question when `yesNo` is set
    /// (then citing source 1, the most relevant, as the demonstrations do); other questions are copied from the
    /// best evidence sentence in the `extract` style (`ExtractiveReader`), from a source in the
    /// `span` style (citing it; "Not found in the sources." may be copied too), and generated otherwise.
    /// - Parameter onEvidence: receives the extractive reader's evidence sentences (`extract` style).
    private func generate(_ question: String, sources: [SourcePassage], retrieved: [SourcePassage],
                          onText: (String) -> Void, onEvidence: ([ExtractiveReader.Evidence]) -> Void) throws -> GeneratedAnswer {
        let prompt = options.prompt
        func messages(asking asked: String) -> [ChatMessage] { prompt.messages(question: asked, sources: sources) }
        // The extract reader reads a yes/no question's claim in the evidence first: a sentence that
        // states it whole is a "Yes" cited to that sentence. Otherwise the decoder scores Yes against No
        // over the sources, as every strategy does (the claim may be denied, or stated in other words).
        // An alternative question ("… cubs or pups?") whose whole claim is stated is a yes/no question too.
        if prompt.answerStyle == .extract, options.yesNo != nil, YesNoAnswerer.opensWithAuxiliary(question),
           let support = options.reader.supportingSentence(for: question, sources: sources, background: retrieved) {
            onEvidence([support])
            let text = "Yes [\(support.source)]"
            onText(text)
            return GeneratedAnswer(text: text, promptTokens: 0, completionTokens: 0, promptSeconds: 0, generateSeconds: 0)
        }
        if prompt.answerStyle.isShort, let yesNo = options.yesNo,
           var scored = try yesNo.answer(question, generator: generator, messages: messages) {
            scored.text += " [1]"
            onText(scored.text)
            return scored
        }
        if prompt.answerStyle == .extract, !YesNoAnswerer.isYesNoQuestion(question), let scorer = generator as? any ContinuationScorer {
            let reading = try options.reader.read(question, sources: sources, background: retrieved, scorer: scorer,
                                                  similarity: similarity(of:to:))
            onEvidence(reading.evidence)
            let text = reading.answer.map { "\($0) [\(reading.source ?? 1)]" } ?? PromptBuilder.notFound
            onText(text)
            // The scored candidates are the decoder's work after the prompt: they count as completion tokens.
            return GeneratedAnswer(text: text, promptTokens: reading.promptTokens, completionTokens: reading.scoredTokens,
                                   promptSeconds: reading.seconds, generateSeconds: 0)
        }
        if prompt.answerStyle == .span, !YesNoAnswerer.isYesNoQuestion(question), let copier = generator as? any SpanCopier {
            var (copied, holders) = try copier.copySpan(messages(asking: question), from: sources.map(\.shownText) + [PromptBuilder.notFound],
                                                        maxTokens: options.maxAnswerTokens)
            if let first = holders.first, first < sources.count { copied.text += " [\(sources[first].number)]" }
            onText(copied.text)
            return copied
        }
        return try generator.generate(messages(asking: question), maxTokens: options.maxAnswerTokens, stop: prompt.stopStrings,
                                      onText: onText)
    }

    /// The best `retrieveK` chunks for the question, or for all `queries` fused by reciprocal rank.
    private func retrieve(_ queries: [String], embeddings: [[Float]], readers: Set<String>,
                          filters: [(key: String, value: String)]) throws -> [(chunk: StoredChunk, score: Float)] {
        let lists = try zip(queries, embeddings).map { query, embedding in
            try searcher.search(query, embedding: embedding, mode: options.mode, k: options.retrieveK,
                                readers: readers, filters: filters, fusion: options.fusion, depth: nil)
        }
        guard lists.count > 1 else { return lists[0] }
        var chunks: [Int: StoredChunk] = [:]
        for list in lists { for hit in list { chunks[Int(hit.chunk.id)] = hit.chunk } }
        let fused = RankFusion.reciprocalRank(lists.map { $0.map { ScoredDocument(index: Int($0.chunk.id), score: $0.score) } },
                                              limit: options.retrieveK)
        return fused.map { (chunk: chunks[$0.index]!, score: $0.score) }
    }

    /// The cosine similarity of `question`'s embedding to each of `sentences`' (the extract reader's
    /// sentence similarity, `ExtractiveReader.semanticWeight`).
    public func similarity(of question: String, to sentences: [String]) throws -> [Double] {
        guard !sentences.isEmpty else { return [] }
        let vectors = try embed([question] + sentences)
        return vectors.dropFirst().map { Double(Self.cosine($0, vectors[0])) }
    }

    /// Cosine similarity (0 when either vector is zero or the lengths differ).
    static func cosine(_ a: [Float], _ b: [Float]) -> Float {
        guard a.count == b.count else { return 0 }
        var ab: Float = 0, aa: Float = 0, bb: Float = 0
        for i in a.indices {
            ab += a[i] * b[i]
            aa += a[i] * a[i]
            bb += b[i] * b[i]
        }
        return aa > 0 && bb > 0 ? ab / (aa * bb).squareRoot() : 0
    }
}

/// Wall-clock seconds per pipeline stage.
struct StageClock {
    private let started = Date()
    private var last = Date()
    private(set) var timings: [String: Double] = [:]

    /// Records the time since the previous lap (less `minus` seconds, accounted elsewhere) as `stage`.
    mutating func lap(_ stage: String, minus: Double = 0) {
        let now = Date()
        timings[stage, default: 0] += max(0, now.timeIntervalSince(last) - minus)
        last = now
    }

    mutating func record(_ stage: String, _ seconds: Double) { timings[stage, default: 0] += seconds }

    func finish() -> [String: Double] {
        timings.merging(["total": Date().timeIntervalSince(started)]) { $1 }
    }
}
