import RagTuneRAG

/// One answer's scores (citation markers are removed from the answer before comparing).
public struct QAScore: Sendable {
    public var attempt: QAAttempt
    public var gold: String
    public var exactMatch: Double, f1: Double, contains: Double
    /// F1 and answer-contains of what the generator wrote, before grounding replaced refused answers.
    public var ungroundedF1: Double, ungroundedContains: Double
    /// Cited chunks containing the gold answer / cited chunks; nil for yes/no golds or no citations.
    public var citationPrecision: Double?
    /// Whether the prompt's sources contain the gold answer; nil for yes/no golds and non-RAG strategies.
    public var retrievalHit: Double?

    public init(_ attempt: QAAttempt, gold: String) {
        self.attempt = attempt
        self.gold = gold
        let answer = Grounder.removingCitations(attempt.answer)
        exactMatch = QAMetrics.exactMatch(answer, gold)
        f1 = QAMetrics.f1(answer, gold)
        contains = QAMetrics.contains(answer, gold)
        let written = attempt.refused ? Grounder.removingCitations(attempt.generated ?? "") : answer
        ungroundedF1 = QAMetrics.f1(written, gold)
        ungroundedContains = QAMetrics.contains(written, gold)
        let checkable = !QAMetrics.isYesNo(gold)
        citationPrecision = checkable && !attempt.citations.isEmpty
            ? attempt.citations.map { QAMetrics.contains($0.chunk.text, gold) }.reduce(0, +) / Double(attempt.citations.count)
            : nil
        retrievalHit = checkable && attempt.strategy == .rag
            ? QAMetrics.contains(attempt.sources.map(\.shownText).joined(separator: " "), gold) : nil
    }
}

/// One question answered by one strategy, as `eval qa --details` writes it (one JSON line).
public struct QARecord: Encodable, Sendable {
    public var id: String
    public var question: String
    public var score: QAScore

    private enum CodingKeys: String, CodingKey {
        case id, question, strategy, gold, answer, em, f1, contains, refused, refusal, generated, citations
        case citationPrecision = "citation_precision", retrievalHit = "retrieval_hit", seconds
        case promptTokens = "prompt_tokens", completionTokens = "completion_tokens", timings
    }

    /// A cited source: its number in the prompt, document and chunk.
    private struct Citation: Encodable {
        var n: Int
        var docID: String
        var chunk: Int
        enum CodingKeys: String, CodingKey { case n, docID = "doc_id", chunk }
    }

    public func encode(to encoder: any Encoder) throws {
        let attempt = score.attempt
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(question, forKey: .question)
        try container.encode(attempt.strategy.rawValue, forKey: .strategy)
        try container.encode(score.gold, forKey: .gold)
        try container.encode(attempt.answer, forKey: .answer)
        try container.encode(score.exactMatch, forKey: .em)
        try container.encode(score.f1, forKey: .f1)
        try container.encode(score.contains, forKey: .contains)
        try container.encode(attempt.refused, forKey: .refused)
        try container.encode(attempt.refusal?.rawValue, forKey: .refusal)
        try container.encode(attempt.generated, forKey: .generated)
        try container.encode(attempt.citations.map { Citation(n: $0.number, docID: $0.chunk.documentID, chunk: $0.chunk.ordinal) },
                             forKey: .citations)
        try container.encode(score.citationPrecision, forKey: .citationPrecision)
        try container.encode(score.retrievalHit, forKey: .retrievalHit)
        try container.encode(attempt.seconds, forKey: .seconds)
        try container.encode(attempt.promptTokens, forKey: .promptTokens)
        try container.encode(attempt.completionTokens, forKey: .completionTokens)
        try container.encode(attempt.timings, forKey: .timings)
    }
}
