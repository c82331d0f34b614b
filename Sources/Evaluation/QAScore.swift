import RagTuneModelFiles
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
    /// The question has no answer in the documents: its gold answer is the refusal
    /// ("Not found in the sources."), so refusing it is right.
    public var unanswerable: Bool

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
        unanswerable = QAMetrics.normalize(gold) == QAMetrics.normalize(PromptBuilder.notFound)
        let checkable = !QAMetrics.isYesNo(gold) && !unanswerable
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

    /// A cited source: its number in the prompt, document and chunk.
    private struct Citation: Encodable {
        var number: Int
        var documentID: String
        var chunk: Int
        enum CodingKeys: String, CodingKey { case number = "n", documentID = "doc_id", chunk }
    }

    /// The record's JSON line.
    private struct JSONView: Encodable {
        var id, question, strategy, gold, answer: String
        var exactMatch, f1, contains: Double
        var refused: Bool
        @NullEncoded var refusal: String?
        @NullEncoded var generated: String?
        var citations: [Citation]
        var evidence: [ExtractiveReader.Evidence]
        @NullEncoded var citationPrecision: Double?
        @NullEncoded var retrievalHit: Double?
        var seconds: Double
        var promptTokens, completionTokens: Int
        var timings: [String: Double]

        enum CodingKeys: String, CodingKey {
            case id, question, strategy, gold, answer, exactMatch = "em", f1, contains, refused, refusal, generated, citations, evidence
            case citationPrecision = "citation_precision", retrievalHit = "retrieval_hit", seconds
            case promptTokens = "prompt_tokens", completionTokens = "completion_tokens", timings
        }
    }

    public func encode(to encoder: any Encoder) throws {
        let attempt = score.attempt
        let citations = attempt.citations.map { Citation(number: $0.number, documentID: $0.chunk.documentID, chunk: $0.chunk.ordinal) }
        try JSONView(id: id, question: question, strategy: attempt.strategy.rawValue, gold: score.gold, answer: attempt.answer,
                     exactMatch: score.exactMatch, f1: score.f1, contains: score.contains, refused: attempt.refused,
                     refusal: attempt.refusal?.rawValue, generated: attempt.generated, citations: citations, evidence: attempt.evidence,
                     citationPrecision: score.citationPrecision, retrievalHit: score.retrievalHit, seconds: attempt.seconds,
                     promptTokens: attempt.promptTokens, completionTokens: attempt.completionTokens,
                     timings: attempt.timings).encode(to: encoder)
    }
}
