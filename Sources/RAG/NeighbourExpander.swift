import RagTuneRetrieval
import RagTuneStorage

/// Small-to-big context: retrieval ranks small chunks (a sentence or two, indexed with a small
/// `--chunk-tokens`), so the few that match the question come first, and each packed source is then
/// shown with up to `neighbours` chunks on each side of it in its document, so that what a sentence
/// refers to ("she", "the compass") is in the prompt too.
///
/// - A neighbour joins only while it is in the same section (same heading path), directly next to
///   the run already taken, not shown already (by this source or another one), visible to the
///   caller, and within the token budget; sources are widened in the order they are shown, and each
///   side alternately, nearest chunk first.
/// - A widened source is one chunk spanning its run: its offsets run from the first chunk's start
///   to the last one's end, so its citation points at all the text shown, and its text is the run's
///   text with overlaps removed and each gap between chunks (whitespace in the document) written as
///   one space, or as a blank line where the gap is longer.
/// - Sources narrowed by context compression (with an excerpt) are left as they are.
public struct NeighbourExpander: Sendable {
    /// Chunks added on each side of a source, at most.
    public var neighbours: Int

    public init(neighbours: Int) {
        self.neighbours = neighbours
    }

    /// - Parameters:
    ///   - sources: the packed sources, in the order shown.
    ///   - tokenBudget: tokens all sources may take in the prompt.
    ///   - chunk: the chunk of a document at an ordinal, when it exists and the caller may see it.
    ///   - tokens: what a chunk costs in the prompt.
    public func expand(_ sources: [SourcePassage], tokenBudget: Int, chunk: (_ documentID: String, _ ordinal: Int) -> StoredChunk?,
                       tokens: (StoredChunk) -> Int) -> [SourcePassage] {
        guard neighbours > 0 else { return sources }
        var shown: [String: Set<Int>] = [:]
        for source in sources { shown[source.chunk.documentID, default: []].insert(source.chunk.ordinal) }
        var used = sources.map { tokens($0.chunk) }.reduce(0, +)
        return sources.map { source in
            guard source.excerpt == nil else { return source }
            let hit = source.chunk
            /// The chunk at `ordinal` when it may join the run; its tokens are then spent.
            func admit(_ ordinal: Int) -> StoredChunk? {
                guard shown[hit.documentID]?.contains(ordinal) != true, let next = chunk(hit.documentID, ordinal),
                      next.chunk.heading == hit.chunk.heading else { return nil }
                let cost = tokens(next)
                guard used + cost <= tokenBudget else { return nil }
                used += cost
                shown[hit.documentID, default: []].insert(ordinal)
                return next
            }
            var run = [hit]
            var open = (before: true, after: true)
            for _ in 0..<neighbours {
                if open.before {
                    if let next = admit(run[0].ordinal - 1) { run.insert(next, at: 0) } else { open.before = false }
                }
                if open.after {
                    if let next = admit(run[run.count - 1].ordinal + 1) { run.append(next) } else { open.after = false }
                }
            }
            guard run.count > 1 else { return source }
            var widened = source
            widened.chunk = Self.joined(run, keeping: hit)
            return widened
        }
    }

    /// One chunk spanning `run` (consecutive chunks of a section, in order), with `hit`'s id and ordinal.
    static func joined(_ run: [StoredChunk], keeping hit: StoredChunk) -> StoredChunk {
        var body = run[0].body, end = run[0].endOffset
        for next in run.dropFirst() {
            let overlap = end - next.startOffset
            if overlap > 0 {
                body += String(String.UnicodeScalarView(next.body.unicodeScalars.dropFirst(overlap)))
            } else {
                body += (overlap == 0 ? "" : overlap == -1 ? " " : "\n\n") + next.body
            }
            end = max(end, next.endOffset)
        }
        let prefix = String(String.UnicodeScalarView(hit.text.unicodeScalars.prefix(hit.chunk.prefixLength)))
        var widened = hit
        widened.chunk = Chunk(documentID: hit.documentID, ordinal: hit.ordinal, text: prefix + body, heading: hit.chunk.heading,
                              startOffset: run[0].startOffset, endOffset: end,
                              tokenCount: run.map(\.chunk.tokenCount).reduce(0, +), prefixLength: hit.chunk.prefixLength)
        return widened
    }
}
