import Foundation
import RagTuneRetrieval
import RagTuneTensor

/// A question of a `compare` QA file with the fields that steer the comparison.
public struct CompareQuestion: Sendable, Equatable {
    public var pair: QAPair
    /// Any label; results are broken down by it ("-" when absent).
    public var kind: String
    /// The fact the question is about: questions sharing it land in the same split.
    public var fact: String
    /// Whether the fact is only in documents an outsider may not see.
    public var restricted: Bool
    /// The answer after the knowledge update (`--updates`), if it changes.
    public var answerAfterUpdate: String?
    public var isTraining: Bool
}

/// The questions of a `compare` run, split into training questions (few-shot examples today; the
/// training data of the LoRA arms) and evaluation questions.
///
/// QA lines: `id`, `question`, `answer`; optional `kind`, `split` (`train` or `eval`), `fact`,
/// `restricted` (true/false), `answer_v2`, `doc` (the id of the document holding the fact; an
/// evaluation question whose `doc` is not indexed is skipped and counted). Without `split` on any line, whole facts are assigned
/// to the training split with probability `trainShare`, by a seeded hash of the fact (the
/// `factField`, else the id), so no evaluation fact's wording is trained on.
public struct CompareQuestions: Sendable {
    public var all: [CompareQuestion]
    public var evaluation: [CompareQuestion] { all.filter { !$0.isTraining } }
    public var training: [CompareQuestion] { all.filter(\.isTraining) }

    /// - Throws: `EvaluationError.badFile` for the file errors of `QADataset`, a `split` other than
    ///   train/eval, a `restricted` that is not true/false, a file that sets `split` on some lines
    ///   only, and a split that leaves no evaluation question.
    public init(path: String, factField: String = "fact", trainShare: Double = 0.5, seed: UInt64 = 42) throws {
        let pairs = try QADataset(contentsOf: URL(fileURLWithPath: path)).pairs
        let withSplit = pairs.filter { $0.fields["split"] != nil }.count
        guard withSplit == 0 || withSplit == pairs.count else {
            throw EvaluationError.badFile(path: path, line: nil,
                                          reason: "\(withSplit) of \(pairs.count) questions set \"split\": set it on every line or on none")
        }
        all = try pairs.map { pair in
            let split = pair.fields["split"]
            if let split, !["train", "eval"].contains(split) {
                throw EvaluationError.badFile(path: path, line: nil, reason: "question \(pair.id): \"split\" is \"\(split)\", not train or eval")
            }
            let restricted = pair.fields["restricted"] ?? "false"
            guard ["true", "false"].contains(restricted) else {
                throw EvaluationError.badFile(path: path, line: nil, reason: "question \(pair.id): \"restricted\" is \"\(restricted)\", not true or false")
            }
            let fact = pair.fields[factField] ?? pair.id
            let training = split.map { $0 == "train" } ?? (Self.unitHash(fact, seed: seed) < trainShare)
            return CompareQuestion(pair: pair, kind: pair.fields["kind"] ?? "-", fact: fact, restricted: restricted == "true",
                                   answerAfterUpdate: pair.fields["answer_v2"], isTraining: training)
        }
        guard all.contains(where: { !$0.isTraining }) else {
            throw EvaluationError.badFile(path: path, line: nil, reason: "no evaluation question: every question is in the training split")
        }
    }

    /// A number in [0, 1) from `text` and `seed` (FNV-1a, then SplitMix64), the same on every machine.
    static func unitHash(_ text: String, seed: UInt64) -> Double {
        let hash = FNV1a(bytesOf: text).value
        var generator = SplitMix64(seed: hash ^ seed)
        return Double(generator.next() >> 11) / Double(1 << 53)
    }
}
