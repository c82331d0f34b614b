import RagTuneModelFiles
import RagTuneStorage

// The JSON of an answer (`ask --json`, the server's ask endpoint). Keys are a public contract:
// absent values are written as null, never left out.

extension RAGAnswer: Encodable {
    /// The answer as `ask --json` writes it.
    private struct JSONView: Encodable {
        /// Tokens the answer cost.
        struct Usage: Encodable {
            var promptTokens: Int
            var completionTokens: Int
            enum CodingKeys: String, CodingKey { case promptTokens = "prompt_tokens", completionTokens = "completion_tokens" }
        }
        var question: String
        var queries: [String]
        var answer: String
        @NullEncoded var generated: String?
        var refused: Bool
        @NullEncoded var refusal: String?
        var citations, sources, retrieved: [SourcePassage]
        var sentences: [Grounder.SentenceSupport]
        var evidence: [ExtractiveReader.Evidence]
        var usage: Usage
        var timings: [String: Double]
    }

    public func encode(to encoder: any Encoder) throws {
        try JSONView(question: question, queries: queries, answer: answer, generated: generated, refused: refusal != nil,
                     refusal: refusal?.rawValue, citations: citations, sources: sources, retrieved: retrieved,
                     sentences: sentences, evidence: evidence, usage: .init(promptTokens: promptTokens, completionTokens: completionTokens),
                     timings: timings).encode(to: encoder)
    }
}

extension SourcePassage: Encodable {
    /// A passage as JSON: its number in the prompt, where it comes from, and its scores.
    private struct JSONView: Encodable {
        var number: Int
        var documentID, source, title: String
        var chunk, start, end: Int
        var score: Double
        @NullEncoded var similarity: Double?
        @NullEncoded var excerpt: String?
        enum CodingKeys: String, CodingKey {
            case number = "n", documentID = "doc_id", source, title, chunk, start, end, score, similarity, excerpt
        }
    }

    public func encode(to encoder: any Encoder) throws {
        try JSONView(number: number, documentID: chunk.documentID, source: chunk.documentSource, title: chunk.documentTitle,
                     chunk: chunk.ordinal, start: chunk.startOffset, end: chunk.endOffset, score: Double(score),
                     similarity: similarity.map(Double.init), excerpt: excerpt).encode(to: encoder)
    }
}

