import RagTuneRetrieval

/// Sentence-level context compression: of the packed sources, keep only the sentences most
/// similar to the question (cosine of their embeddings), in their original order within each
/// source. Small generators answer far better from a few relevant sentences than from whole
/// chunks. Sources left with no sentence are dropped and the rest renumbered from 1; each kept
/// source still points at its whole chunk, so citations keep their exact document offsets.
public struct ContextCompressor: Sendable {
    /// Sentences kept over all sources.
    public var maxSentences: Int

    public init(maxSentences: Int) {
        self.maxSentences = maxSentences
    }

    /// - Parameters:
    ///   - question: the question's embedding (unit length, as the embedder returns it).
    ///   - embed: the embedder the question was embedded with.
    public func compress(_ sources: [SourcePassage], question: [Float],
                         embed: ([String]) throws -> [[Float]]) throws -> [SourcePassage] {
        let split = sources.map { TextChunker.sentences(of: $0.chunk.body) }
        let all = split.enumerated().flatMap { source, sentences in sentences.indices.map { (source, $0) } }
        guard all.count > maxSentences else { return sources }
        let vectors = try embed(all.map { split[$0.0][$0.1] })
        let ranked = all.indices.sorted { a, b in
            let sa = RAGPipeline.cosine(vectors[a], question), sb = RAGPipeline.cosine(vectors[b], question)
            return sa != sb ? sa > sb : a < b
        }
        var kept = Array(repeating: Set<Int>(), count: sources.count)
        for i in ranked.prefix(maxSentences) { kept[all[i].0].insert(all[i].1) }
        var result: [SourcePassage] = []
        for (i, source) in sources.enumerated() where !kept[i].isEmpty {
            var passage = source
            passage.number = result.count + 1
            passage.excerpt = Self.join(split[i], keeping: kept[i])
            result.append(passage)
        }
        return result
    }

    /// The kept sentences in order, "…" marking each gap.
    static func join(_ sentences: [String], keeping kept: Set<Int>) -> String {
        var text = "", previous = -1
        for i in kept.sorted() {
            if !text.isEmpty { text += i == previous + 1 ? " " : " … " } else if i > 0 { text = "… " }
            text += sentences[i]
            previous = i
        }
        return text
    }
}
