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
    /// Set for a question that asks a fact in another wording or direction than the one an
    /// adapter is trained on: never trained on, asked of every arm about the training facts.
    public var probe: CompareProbe? = nil

    /// The probe group of a training question as reports name it: "trained" (the wording an
    /// adapter learns), "paraphrase" or "reversal".
    public var probeGroup: String { probe?.rawValue ?? "trained" }
}

/// How a probe question relates to the wording an adapter was trained on.
public enum CompareProbe: String, Sendable, Codable, CaseIterable {
    /// The same fact in other words (Allen-Zhu & Li: memorized facts need not be extractable).
    case paraphrase
    /// The same relation asked the other way round (Berglund et al.: the reversal curse).
    case reversal
}

/// The questions of a `compare` run, split into training questions (few-shot examples today; the
/// training data of the LoRA arms) and evaluation questions.
///
/// QA lines: `id`, `question`, `answer`; optional `kind`, `split` (`train` or `eval`), `fact`,
/// `restricted` (true/false), `answer_v2`, `doc` (the id of the document holding the fact; an
/// evaluation question whose `doc` is not indexed is skipped and counted), `probe`
/// (`paraphrase` or `reversal`: never trained on; also set for every question whose `kind` is in
/// `paraphraseKinds` or `reversalKinds`). Without `split` on any line, whole facts are assigned
/// to the training split with probability `trainShare`, by a seeded hash of the fact (the
/// `factField`, else the id), so no evaluation fact's wording is trained on. Every question of a
/// separate training file (`--train`) is a training question.
public struct CompareQuestions: Sendable {
    public var all: [CompareQuestion]
    public var evaluation: [CompareQuestion] { all.filter { !$0.isTraining } }
    public var training: [CompareQuestion] { all.filter(\.isTraining) }

    /// - Throws: `EvaluationError.badFile` for the file errors of `QADataset`, a `split` other than
    ///   train/eval, a `restricted` that is not true/false, a file that sets `split` on some lines
    ///   only, and a split that leaves no evaluation question.
    public init(path: String, trainingPath: String? = nil, factField: String = "fact", trainShare: Double = 0.5, seed: UInt64 = 42,
                paraphraseKinds: Set<String> = [], reversalKinds: Set<String> = []) throws {
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
                                   answerAfterUpdate: pair.fields["answer_v2"], isTraining: training,
                                   probe: try Self.probe(pair, path: path, paraphraseKinds: paraphraseKinds, reversalKinds: reversalKinds))
        }
        guard all.contains(where: { !$0.isTraining }) else {
            throw EvaluationError.badFile(path: path, line: nil, reason: "no evaluation question: every question is in the training split")
        }
        if let trainingPath {
            let ids = Set(pairs.map(\.id))
            all += try QADataset(contentsOf: URL(fileURLWithPath: trainingPath)).pairs.map { pair in
                guard !ids.contains(pair.id) else {
                    throw EvaluationError.badFile(path: trainingPath, line: nil, reason: "question \(pair.id) is also in \(path): ids must differ")
                }
                if let split = pair.fields["split"], split != "train" {
                    throw EvaluationError.badFile(path: trainingPath, line: nil, reason: "question \(pair.id): \"split\" is \"\(split)\" in a training file")
                }
                return CompareQuestion(pair: pair, kind: pair.fields["kind"] ?? "-", fact: pair.fields[factField] ?? pair.id,
                                       restricted: pair.fields["restricted"] == "true", answerAfterUpdate: nil, isTraining: true,
                                       probe: try Self.probe(pair, path: trainingPath, paraphraseKinds: paraphraseKinds, reversalKinds: reversalKinds))
            }
        }
    }

    /// The training questions an adapter is trained on: all but the probes.
    public var trained: [CompareQuestion] { training.filter { $0.probe == nil } }

    /// A question's probe: its `probe` field, else its kind's.
    static func probe(_ pair: QAPair, path: String, paraphraseKinds: Set<String>, reversalKinds: Set<String>) throws -> CompareProbe? {
        if let value = pair.fields["probe"] {
            guard let probe = CompareProbe(rawValue: value) else {
                throw EvaluationError.badFile(path: path, line: nil, reason: "question \(pair.id): \"probe\" is \"\(value)\", not paraphrase or reversal")
            }
            return probe
        }
        guard let kind = pair.fields["kind"] else { return nil }
        if paraphraseKinds.contains(kind) { return .paraphrase }
        if reversalKinds.contains(kind) { return .reversal }
        return nil
    }

    /// A number in [0, 1) from `text` and `seed` (FNV-1a, then SplitMix64), the same on every machine.
    static func unitHash(_ text: String, seed: UInt64) -> Double {
        let hash = FNV1a(bytesOf: text).value
        var generator = SplitMix64(seed: hash ^ seed)
        return generator.unit()
    }
}
