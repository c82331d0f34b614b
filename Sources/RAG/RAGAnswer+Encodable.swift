import RagTuneStorage

// The JSON of an answer (`ask --json`, the server's ask endpoint). Keys are a public contract:
// absent values are written as null, never left out.

extension RAGAnswer: Encodable {
    private enum CodingKeys: String, CodingKey {
        case question, queries, answer, generated, refused, refusal, citations, sources, retrieved, sentences, usage, timings
    }

    /// Tokens the answer cost.
    private struct Usage: Encodable {
        var promptTokens: Int
        var completionTokens: Int
        enum CodingKeys: String, CodingKey { case promptTokens = "prompt_tokens", completionTokens = "completion_tokens" }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(question, forKey: .question)
        try container.encode(queries, forKey: .queries)
        try container.encode(answer, forKey: .answer)
        try container.encode(generated, forKey: .generated)
        try container.encode(refusal != nil, forKey: .refused)
        try container.encode(refusal?.rawValue, forKey: .refusal)
        try container.encode(citations, forKey: .citations)
        try container.encode(sources, forKey: .sources)
        try container.encode(retrieved, forKey: .retrieved)
        try container.encode(sentences, forKey: .sentences)
        try container.encode(Usage(promptTokens: promptTokens, completionTokens: completionTokens), forKey: .usage)
        try container.encode(timings, forKey: .timings)
    }
}

extension SourcePassage: Encodable {
    private enum CodingKeys: String, CodingKey {
        case number = "n", documentID = "doc_id", source, title, chunk, start, end, score, similarity, excerpt
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(number, forKey: .number)
        try container.encode(chunk.documentID, forKey: .documentID)
        try container.encode(chunk.documentSource, forKey: .source)
        try container.encode(chunk.documentTitle, forKey: .title)
        try container.encode(chunk.ordinal, forKey: .chunk)
        try container.encode(chunk.startOffset, forKey: .start)
        try container.encode(chunk.endOffset, forKey: .end)
        try container.encode(Double(score), forKey: .score)
        try container.encode(similarity.map(Double.init), forKey: .similarity)
        try container.encode(excerpt, forKey: .excerpt)
    }
}

extension Grounder.SentenceSupport: Encodable {
    private enum CodingKeys: String, CodingKey { case text, source, support, informative }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(text, forKey: .text)
        try container.encode(source, forKey: .source)
        try container.encode(support, forKey: .support)
        try container.encode(informative, forKey: .informative)
    }
}
