import Foundation
import RagTuneRAG

/// One strategy's answers as `compare` saves them when the strategy finishes
/// (`OUT/strategies/NAME.json`), so an interrupted run resumes without answering again.
struct CompareAnswers: SavedResult, Sendable {
    /// One answer with its scores.
    struct Answer: Codable, Sendable {
        var id, answer: String
        var refused: Bool
        var exactMatch, f1, contains, ungroundedF1, ungroundedContains: Double
        var citationPrecision, retrievalHit: Double?
        var seconds: Double
        var promptTokens, completionTokens: Int
        var citedDocuments: [String]
        /// Cited chunks with an ACL (documents not everyone may see).
        var restrictedCitations: Int

        enum CodingKeys: String, CodingKey {
            case id, answer, refused, exactMatch = "em", f1, contains, ungroundedF1 = "f1_ungrounded"
            case ungroundedContains = "contains_ungrounded", citationPrecision = "citation_precision"
            case retrievalHit = "retrieval_hit", seconds, promptTokens = "prompt_tokens", completionTokens = "completion_tokens"
            case citedDocuments = "cited_documents", restrictedCitations = "restricted_citations"
        }

        init(id: String, score: QAScore) {
            self.id = id
            answer = score.attempt.answer
            refused = score.attempt.refused
            exactMatch = score.exactMatch
            f1 = score.f1
            contains = score.contains
            ungroundedF1 = score.ungroundedF1
            ungroundedContains = score.ungroundedContains
            citationPrecision = score.citationPrecision
            retrievalHit = score.retrievalHit
            seconds = score.attempt.seconds
            promptTokens = score.attempt.promptTokens
            completionTokens = score.attempt.completionTokens
            citedDocuments = score.attempt.citations.map(\.chunk.documentID)
            restrictedCitations = score.attempt.citations.filter { !$0.chunk.acl.isEmpty }.count
        }

        /// The score again, as far as summaries need it (no sources or citation texts).
        func score(strategy: QAStrategy, gold: String) -> QAScore {
            var score = QAScore(QAAttempt(strategy: strategy, answer: answer, refused: refused, citations: [], sources: [],
                                          promptTokens: promptTokens, completionTokens: completionTokens, seconds: seconds,
                                          timings: [:]), gold: gold)
            score.exactMatch = exactMatch
            score.f1 = f1
            score.contains = contains
            score.ungroundedF1 = ungroundedF1
            score.ungroundedContains = ungroundedContains
            score.citationPrecision = citationPrecision
            score.retrievalHit = retrievalHit
            return score
        }
    }

    var strategy: String
    /// What the answers depend on: a changed QA file, split, seed or generator answers again.
    var fingerprint: String
    var answers: [Answer]
    /// The restricted questions asked as an outsider (RAG arms: the restricted evaluation questions;
    /// adapter arms: the restricted facts they were trained on).
    var outsiderAnswers: [Answer]?
    /// The probe questions about training facts (arms of a run that trains an adapter).
    var probeAnswers: [Answer]?
    /// The unanswerable probe's questions (`UnanswerableProbe`).
    var unanswerableAnswers: [Answer]?
    var seconds: Double
    /// CPU seconds (all threads) spent answering.
    var cpuSeconds: Double

    enum CodingKeys: String, CodingKey {
        case strategy, fingerprint, answers, outsiderAnswers = "outsider_answers", probeAnswers = "probe_answers", unanswerableAnswers = "unanswerable_answers", seconds, cpuSeconds = "cpu_seconds"
    }
}

/// Results a comparison saves as JSON as soon as they are complete, and reads back on a re-run
/// while their fingerprint (what they depend on) still matches.
protocol SavedResult: Codable {
    var fingerprint: String { get }
}

extension SavedResult {
    /// The saved result at `url` when it matches `fingerprint`; nil when absent, unreadable or stale.
    static func load(_ url: URL, fingerprint: String) -> Self? {
        guard let data = try? Data(contentsOf: url), let saved = try? JSONDecoder().decode(Self.self, from: data),
              saved.fingerprint == fingerprint else { return nil }
        return saved
    }

    /// The saved result at `url` when it matches `fingerprint`; otherwise `make`'s, saved there.
    static func loadOrMake(_ url: URL, fingerprint: String, make: () throws -> Self) throws -> Self {
        if let saved = load(url, fingerprint: fingerprint) { return saved }
        let made = try make()
        try made.save(url)
        return made
    }

    /// Writes atomically (a killed run leaves the old file or the new one).
    func save(_ url: URL) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        try writeAtomically(try encoder.encode(self), to: url.path)
    }
}

/// Writes `data` to `path` atomically (readers see the old file or the new one); a failed write
/// is an error naming the file.
func writeAtomically(_ data: Data, to path: String) throws {
    do {
        try data.write(to: URL(fileURLWithPath: path), options: .atomic)
    } catch {
        throw EvaluationError.badFile(path: path, line: nil, reason: "cannot write: \(error.localizedDescription)")
    }
}

/// Creates the folder at `path` (and its parents); a failure is an error naming the folder.
func createDirectory(_ path: String) throws {
    do {
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    } catch {
        throw EvaluationError.badFile(path: path, line: nil, reason: "cannot create: \(error.localizedDescription)")
    }
}
