import Foundation
import RagTuneModelFiles
import RagTuneRAG

/// The freshness probe of `compare --updates DIR`: after a knowledge update, the evaluation
/// questions whose `answer_v2` differs from `answer` are scored against `answer_v2`. Every arm's
/// answers from before the update are scored first ("before": a stale index, an untrained model);
/// then a copy of the store takes in the updated documents (one incremental re-index, timed) and
/// the RAG arms answer those questions again ("after").
public struct FreshnessProbe: Codable, Sendable, Equatable {
    /// One arm's accuracy on the changed facts (answer-contains against `answer_v2`).
    public struct Arm: Codable, Sendable, Equatable {
        public var before: IntervalEstimate
        /// After one re-index (RAG arms); nil for arms that do not read documents.
        @NullEncoded public var after: IntervalEstimate?

        public init(before: IntervalEstimate, after: IntervalEstimate?) {
            self.before = before
            self.after = after
        }
    }

    /// Evaluation questions whose answer the update changes.
    public var changedQuestions: Int
    /// Documents the re-index wrote (added, replaced or taken over).
    public var updatedDocuments: Int
    public var reindexSeconds: Double
    public var arms: [String: Arm]

    private enum CodingKeys: String, CodingKey {
        case changedQuestions = "changed_questions", updatedDocuments = "updated_documents", reindexSeconds = "reindex_seconds", arms
    }

    /// The questions of `evaluation` whose answer after the update differs from their answer.
    static func changed(_ evaluation: [CompareQuestion]) -> [Int] {
        evaluation.indices.filter { i in
            guard let after = evaluation[i].answerAfterUpdate else { return false }
            return QAMetrics.normalize(after) != QAMetrics.normalize(evaluation[i].pair.answer)
        }
    }
}

/// What the freshness probe saves (`OUT/strategies/freshness.json`), so a resumed run neither
/// re-indexes nor asks again.
struct FreshnessAnswers: SavedResult, Sendable {
    var fingerprint: String
    var updatedDocuments: Int
    var reindexSeconds: Double
    /// RAG arm → its answers to the changed questions after the re-index, scored against `answer_v2`.
    var answers: [String: [CompareAnswers.Answer]]

    enum CodingKeys: String, CodingKey {
        case fingerprint, updatedDocuments = "updated_documents", reindexSeconds = "reindex_seconds", answers
    }
}
