/// A span of one document, sized for embedding.
public struct Chunk: Sendable, Hashable, Codable {
    public var documentID: String
    /// Position of the chunk within its document, from 0.
    public var ordinal: Int
    /// The text to embed and show: the heading path, a blank line, and the source span — or just the
    /// source span when there is no heading or heading prefixes are off.
    public var text: String
    /// Heading path of the section, e.g. "Guide > Install"; nil outside any heading.
    public var heading: String?
    /// Start and end (exclusive) of the source span in `SourceDocument.text`, in Unicode scalars.
    public var startOffset: Int
    public var endOffset: Int
    /// Tokens of `text` (prefix included) by the chunker's counting closure.
    public var tokenCount: Int
    /// Unicode scalars of the heading prefix at the start of `text`.
    public var prefixLength: Int

    /// `text` without the heading prefix: exactly `document.text(from: startOffset, to: endOffset)`.
    public var body: String { String(text.unicodeScalars.dropFirst(max(0, prefixLength))) }

    public init(documentID: String, ordinal: Int, text: String, heading: String?, startOffset: Int, endOffset: Int,
                tokenCount: Int, prefixLength: Int) {
        self.documentID = documentID
        self.ordinal = ordinal
        self.text = text
        self.heading = heading
        self.startOffset = startOffset
        self.endOffset = endOffset
        self.tokenCount = tokenCount
        self.prefixLength = prefixLength
    }
}

/// Splits documents into sentence-aligned chunks under a token budget, with overlap.
///
/// 1. Optionally (Markdown and HTML documents by default) Markdown headings (`#`…`######`, outside
///    fenced code) start sections; chunks never cross sections, and the heading path is kept in
///    `Chunk.heading` and (configurable) prefixed to `Chunk.text`. Heading lines themselves are not
///    part of any chunk's source span.
/// 2. Sections split into sentences (see `sentenceRanges`); a sentence over the budget splits
///    between words (a single word over the budget stays whole).
/// 3. Sentences pack greedily up to `maxTokens`; the next chunk restarts with the trailing sentences
///    of the previous one worth at most `overlapTokens` (never all of them, so chunks always advance).
///
/// Budgets use the caller's counter (e.g. MiniLM WordPiece); sums of per-sentence counts stand in for
/// the count of the joined span while packing, and each chunk's final count is exact. The budget
/// covers the heading prefix; subtract special tokens ([CLS], [SEP]) in the counter or the budget.
public struct TextChunker: Sendable {
    /// When to treat headings as section boundaries.
    public enum HeadingMode: String, Sendable {
        /// For `.markdown` and `.html` documents (the HTML extractor writes headings as `#` lines).
        case auto
        case always
        case never
    }

    public let maxTokens: Int
    public let overlapTokens: Int
    public let headingMode: HeadingMode
    /// Prefix `Chunk.text` with "heading path\n\n".
    public let prefixHeading: Bool
    let countTokens: @Sendable (String) -> Int

    /// - Parameters:
    ///   - maxTokens: token budget of a chunk (default 256), heading prefix included.
    ///   - overlapTokens: at most this many tokens of trailing sentences are repeated (default 32).
    ///   - countTokens: number of tokens of a text, e.g. `{ tokenizer.encode($0).count }`.
    /// - Throws: `RetrievalError.invalidInput` unless `maxTokens ≥ 1` and `0 ≤ overlapTokens < maxTokens`.
    public init(maxTokens: Int = 256, overlapTokens: Int = 32, headingMode: HeadingMode = .auto,
                prefixHeading: Bool = true, countTokens: @escaping @Sendable (String) -> Int) throws {
        guard maxTokens >= 1 else { throw RetrievalError.invalidInput("chunk maxTokens \(maxTokens) must be ≥ 1") }
        guard overlapTokens >= 0, overlapTokens < maxTokens else {
            throw RetrievalError.invalidInput("chunk overlapTokens \(overlapTokens) must be in 0..<\(maxTokens)")
        }
        self.maxTokens = maxTokens
        self.overlapTokens = overlapTokens
        self.headingMode = headingMode
        self.prefixHeading = prefixHeading
        self.countTokens = countTokens
    }

    /// - Returns: the chunks of `document`, ordinals 0, 1, …, in document order. A JSONL record's
    ///   title (which is not part of its text) is the heading of all its chunks, so every chunk
    ///   keeps it as context, as BEIR's title + text does for whole documents.
    public func chunk(_ document: SourceDocument) -> [Chunk] {
        let structured = headingMode == .always
            || (headingMode == .auto && (document.format == .markdown || document.format == .html))
        let title = document.format == .jsonl && !document.title.isEmpty ? document.title : nil
        return chunk(text: document.text, documentID: document.id, structured: structured, heading: title)
    }

    /// Chunks raw text; offsets index `text` in Unicode scalars.
    /// - Parameter heading: the heading of unstructured text (structured text finds its own).
    public func chunk(text: String, documentID: String, structured: Bool, heading: String? = nil) -> [Chunk] {
        let s = Array(text.unicodeScalars)
        let sections = structured ? Self.sections(s) : [(heading: heading, range: 0..<s.count)]
        var chunks: [Chunk] = []
        for section in sections {
            let prefix = prefixHeading ? section.heading.map { $0 + "\n\n" } ?? "" : ""
            let prefixTokens = prefix.isEmpty ? 0 : countTokens(prefix)
            // A long heading path may use at most half the budget.
            let budget = max(maxTokens / 2, maxTokens - prefixTokens, 1)
            let pieces = self.pieces(s, Self.sentenceRanges(s, in: section.range), budget: budget)
            var start = 0
            while start < pieces.count {
                var end = start, sum = 0
                while end < pieces.count, end == start || sum + pieces[end].tokens <= budget {
                    sum += pieces[end].tokens
                    end += 1
                }
                var body = Self.string(s, pieces[start].range.lowerBound..<pieces[end - 1].range.upperBound)
                var tokens = countTokens(prefix + body)
                while tokens > maxTokens, end - start > 1 {   // the sum underestimated the joined span
                    end -= 1
                    body = Self.string(s, pieces[start].range.lowerBound..<pieces[end - 1].range.upperBound)
                    tokens = countTokens(prefix + body)
                }
                chunks.append(Chunk(
                    documentID: documentID, ordinal: chunks.count, text: prefix + body, heading: section.heading,
                    startOffset: pieces[start].range.lowerBound, endOffset: pieces[end - 1].range.upperBound,
                    tokenCount: tokens, prefixLength: prefix.unicodeScalars.count))
                if end == pieces.count { break }
                // Carry trailing pieces worth ≤ overlap, leaving room for the next new piece.
                var next = end, carried = 0
                while next - 1 > start, carried + pieces[next - 1].tokens <= overlapTokens,
                      carried + pieces[next - 1].tokens + pieces[end].tokens <= budget {
                    next -= 1
                    carried += pieces[next].tokens
                }
                start = next
            }
        }
        return chunks
    }

    /// Sentences with their token counts; sentences over `budget` become runs of whole words.
    func pieces(_ s: [Unicode.Scalar], _ sentences: [Range<Int>], budget: Int) -> [(range: Range<Int>, tokens: Int)] {
        var pieces: [(range: Range<Int>, tokens: Int)] = []
        for sentence in sentences {
            let tokens = countTokens(Self.string(s, sentence))
            guard tokens > budget else { pieces.append((sentence, tokens)); continue }
            var groupStart: Int?, groupEnd = 0, groupTokens = 0
            for word in Self.wordRanges(s, in: sentence) {
                let wordTokens = countTokens(Self.string(s, word))
                if let first = groupStart, groupTokens + wordTokens > budget {
                    pieces.append((first..<groupEnd, groupTokens))
                    groupStart = nil
                }
                if groupStart == nil { groupStart = word.lowerBound; groupTokens = 0 }
                groupEnd = word.upperBound
                groupTokens += wordTokens
            }
            if let first = groupStart { pieces.append((first..<groupEnd, groupTokens)) }
        }
        return pieces
    }

    static func string(_ s: [Unicode.Scalar], _ range: Range<Int>) -> String {
        String(String.UnicodeScalarView(s[range]))
    }
}
