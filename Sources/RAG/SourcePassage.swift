import RagTuneStorage

/// A retrieved chunk offered to the generator as source `[number]`.
public struct SourcePassage: Sendable {
    /// 1-based number the prompt shows and citations use.
    public var number: Int
    public var chunk: StoredChunk
    /// The retriever's score (fused score for hybrid search).
    public var score: Float
    /// Cosine similarity of the chunk's embedding with the question's (nil without embeddings).
    public var similarity: Float?
    /// The part of the chunk shown to the generator when context compression selected sentences
    /// (nil: the whole chunk).
    public var excerpt: String?

    /// The text the prompt shows: the excerpt, or the whole chunk.
    public var shownText: String { excerpt ?? chunk.text }

    public init(number: Int, chunk: StoredChunk, score: Float, similarity: Float?, excerpt: String? = nil) {
        self.number = number
        self.chunk = chunk
        self.score = score
        self.similarity = similarity
        self.excerpt = excerpt
    }
}
