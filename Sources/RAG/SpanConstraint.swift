/// Constrained decoding for extractive answers: which tokens may come next when the answer must
/// be a contiguous run of tokens of one of the passages, and which passages hold the run so far.
///
/// A word that opens the answer is often tokenized without the leading space it has inside a
/// passage ("Hardin" vs " Hardin"), so the first token may also be an alias: the space-less id
/// of a passage token (see `init(passages:firstTokenAliases:)`).
public struct SpanConstraint: Sendable {
    /// Token ids of each passage.
    public let passages: [[Int]]
    /// Space-less id → the passage ids it stands for, allowed as the first token only.
    public let firstTokenAliases: [Int: [Int]]
    /// Where the answer so far occurs: (passage, index of the token after it).
    private var matches: [(passage: Int, next: Int)]
    /// Tokens taken so far.
    public private(set) var count = 0

    public init(passages: [[Int]], firstTokenAliases: [Int: [Int]] = [:]) {
        self.passages = passages
        self.firstTokenAliases = firstTokenAliases
        matches = passages.indices.flatMap { p in passages[p].indices.map { (passage: p, next: $0) } }
    }

    /// Ids that extend the answer to a longer run of some passage (empty when none does).
    public var allowed: Set<Int> {
        var ids = Set(matches.compactMap { $0.next < passages[$0.passage].count ? passages[$0.passage][$0.next] : nil })
        if count == 0 {
            for (alias, originals) in firstTokenAliases where !ids.isDisjoint(with: originals) { ids.insert(alias) }
        }
        return ids
    }

    /// Takes `token` (one of `allowed`).
    public mutating func append(_ token: Int) {
        let accepted: Set<Int> = count == 0 ? Set([token] + (firstTokenAliases[token] ?? [])) : [token]
        matches = matches.compactMap { match in
            match.next < passages[match.passage].count && accepted.contains(passages[match.passage][match.next])
                ? (passage: match.passage, next: match.next + 1) : nil
        }
        count += 1
    }

    /// The passages (indexes, in order) that contain the answer so far.
    public var passagesHoldingAnswer: [Int] {
        var seen = Set<Int>()
        return matches.map(\.passage).filter { seen.insert($0).inserted }
    }
}
