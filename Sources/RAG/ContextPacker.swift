import RagTuneRetrieval
import RagTuneStorage

/// Chooses which retrieved chunks go into the prompt: near-duplicates are dropped, maximal
/// marginal relevance (Carbonell & Goldstein 1998) trades relevance for diversity when asked, and
/// chunks are added in order until the token budget is spent.
public struct ContextPacker: Sendable {
    /// Jaccard similarity of two chunks' analyzed terms above which the lower-ranked one is dropped.
    public var duplicateThreshold: Double = 0.8
    /// MMR's λ: 1 ranks by relevance only (no MMR); lower values favour chunks unlike those already chosen.
    public var mmrLambda: Double = 1
    /// Most chunks to pack.
    public var maxSources: Int = 5
    private let analyzer = EnglishAnalyzer()

    public init(duplicateThreshold: Double = 0.8, mmrLambda: Double = 1, maxSources: Int = 5) {
        self.duplicateThreshold = duplicateThreshold
        self.mmrLambda = mmrLambda
        self.maxSources = maxSources
    }

    /// - Parameters:
    ///   - candidates: retrieved chunks, best first, with their scores and (optionally) their cosine
    ///     similarity to the question.
    ///   - tokenBudget: tokens the sources may use in the prompt.
    ///   - tokens: tokens a source costs in the prompt.
    /// - Returns: the chosen chunks, numbered from 1 in the order they are shown (by relevance).
    public func pack(_ candidates: [(chunk: StoredChunk, score: Float, similarity: Float?)], tokenBudget: Int,
                     tokens: (StoredChunk) -> Int) -> [SourcePassage] {
        let terms = candidates.map { Set(analyzer.analyze($0.chunk.text)) }
        var remaining = Array(candidates.indices)
        // Drop near-duplicates of a better-ranked chunk.
        var kept: [Int] = []
        for i in remaining where !kept.contains(where: { jaccard(terms[$0], terms[i]) >= duplicateThreshold }) { kept.append(i) }
        remaining = kept
        // Relevance in (0, 1] for MMR from the retriever's rank (hybrid rankings beat any one score).
        let relevance: [Double] = candidates.indices.map { 1 - Double($0) / Double(max(candidates.count, 1)) }
        var chosen: [Int] = [], used = 0
        while !remaining.isEmpty, chosen.count < maxSources {
            let pick = remaining.max { a, b in mmr(a, chosen, relevance, terms) < mmr(b, chosen, relevance, terms) }!
            remaining.removeAll { $0 == pick }
            let cost = tokens(candidates[pick].chunk)
            if used + cost > tokenBudget { continue }
            used += cost
            chosen.append(pick)
        }
        chosen.sort()   // show sources by relevance rank
        return chosen.enumerated().map { n, i in
            SourcePassage(number: n + 1, chunk: candidates[i].chunk, score: candidates[i].score, similarity: candidates[i].similarity)
        }
    }

    private func mmr(_ i: Int, _ chosen: [Int], _ relevance: [Double], _ terms: [Set<String>]) -> Double {
        guard mmrLambda < 1, !chosen.isEmpty else { return relevance[i] - Double(i) * 1e-9 }
        let redundancy = chosen.map { jaccard(terms[$0], terms[i]) }.max() ?? 0
        return mmrLambda * relevance[i] - (1 - mmrLambda) * redundancy - Double(i) * 1e-9
    }

    private func jaccard(_ a: Set<String>, _ b: Set<String>) -> Double {
        let union = a.union(b).count
        return union == 0 ? 1 : Double(a.intersection(b).count) / Double(union)
    }
}
