import Foundation
import RagTuneModels
import RagTuneStorage

/// Relevance from a BERT cross-encoder (`CrossEncoder`): each (question, passage) pair is read
/// together and scored by the classifier head (the raw logit for one-label heads such as
/// ms-marco-MiniLM-L-6-v2). Pairs are tokenized on `threads` workers and run in packed batches of
/// `batchSize` similar-length pairs.
public final class CrossEncoderReranker: Reranker {
    public let model: CrossEncoder
    public let name = "cross-encoder"

    /// Wraps a loaded cross-encoder.
    public init(_ model: CrossEncoder) {
        self.model = model
    }

    /// Loads the cross-encoder folder at `directory` (see `CrossEncoder.init(directory:)`).
    /// - Throws: `ModelError` naming the file when the folder has no classifier weights
    ///   (`classifier.weight`) or another tensor is missing or wrong-shaped.
    public convenience init(directory: URL, batchSize: Int = 16, threads: Int = 2) throws {
        self.init(try CrossEncoder(directory: directory, batchSize: batchSize, threads: threads))
    }

    /// - Returns: one relevance score per passage (`CrossEncoder.relevance(logits:)`), higher is more relevant.
    public func scores(question: String, passages: [StoredChunk]) throws -> [Float] {
        try model.scores(query: question, passages: passages.map(\.chunk.text))
    }
}
