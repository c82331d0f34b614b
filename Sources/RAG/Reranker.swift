import Foundation
import RagTuneModels
import RagTuneStorage
import RagTuneTokenizers

/// Scores how well each passage answers a question; higher is more relevant. `RAGPipeline`
/// re-orders its best retrieved chunks by these scores before packing (MMR diversity is the
/// packer's job: `ContextPacker.mmrLambda`).
public protocol Reranker: AnyObject {
    var name: String { get }
    /// - Returns: one score per passage.
    func scores(question: String, passages: [StoredChunk]) throws -> [Float]
}

/// Pointwise relevance from the decoder itself: the probability that it answers "yes" to "Does
/// the passage answer the question?", from the logits of its first reply token (yes-like tokens
/// vs no-like tokens). The question comes before the passage, so the shared prefix of the prompt
/// is evaluated once and only each passage runs.
public final class LLMRelevanceReranker: Reranker {
    public let generator: TextGenerator
    public let name = "llm-yes-probability"
    private let yesIds: [Int], noIds: [Int]

    public init(_ generator: TextGenerator) {
        self.generator = generator
        func ids(_ words: [String]) -> [Int] {
            Array(Set(words.compactMap { word -> Int? in
                let encoded = generator.tokenizer.encode(word, parseSpecial: false)
                return encoded.count == 1 ? encoded[0] : nil
            })).sorted()
        }
        yesIds = ids(["yes", "Yes", " yes", " Yes", "YES"])
        noIds = ids(["no", "No", " no", " No", "NO"])
    }

    public func scores(question: String, passages: [StoredChunk]) throws -> [Float] {
        try passages.map { try probabilityOfYes(question: question, passage: $0.chunk.text) }
    }

    /// P(yes) ∈ [0, 1] over the yes-like and no-like first tokens.
    public func probabilityOfYes(question: String, passage: String) throws -> Float {
        let messages: [ChatMessage] = [
            .system("You judge whether a passage answers a question. Reply with yes or no only."),
            .user("Question: \(question)\n\nPassage: \(passage)\n\nDoes the passage answer the question?"),
        ]
        let logits = try generator.nextTokenLogits(generator.promptIds(for: messages))
        let yes = yesIds.map { logits[$0] }, no = noIds.map { logits[$0] }
        guard let top = (yes + no).max() else { return 0.5 }
        let py = yes.map { exp($0 - top) }.reduce(0, +), pn = no.map { exp($0 - top) }.reduce(0, +)
        return py / (py + pn)
    }
}
