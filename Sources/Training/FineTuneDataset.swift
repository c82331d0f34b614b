import Foundation
import RagTuneTensor

/// The tokenized examples of a JSONL file and what was left out.
///
/// Policy: an invalid line (see `ChatExample.parse`) stops loading with an error naming
/// file:line and field, unless `skipInvalid` (`--skip-invalid`), which counts it under
/// "invalid <field>" instead. An example longer than `cutoff_len` is truncated at its end (as
/// axolotl does); when that leaves no learned token it is skipped and counted under "too long",
/// whatever `skipInvalid` says, since it is valid data the settings cannot use.
public struct FineTuneDataset: Sendable {
    public var examples: [EncodedExample]
    /// Left-out examples by reason ("too long", "invalid messages[1].role", …).
    public var skipped: [String: Int]
    /// Examples kept but cut to `cutoff_len`.
    public var truncated: Int

    public init(examples: [EncodedExample], skipped: [String: Int] = [:], truncated: Int = 0) {
        self.examples = examples
        self.skipped = skipped
        self.truncated = truncated
    }

    /// Reads and encodes every line of `path`.
    /// - Throws: `TrainingError.fileError` when unreadable or empty of examples,
    ///   `.invalidExample` for the first invalid line unless `skipInvalid`.
    public static func load(path: String, encoder: ChatExampleEncoder, skipInvalid: Bool) throws -> FineTuneDataset {
        if let problem = FileCheck.problemReading(path) { throw TrainingError.fileError(path: path, reason: problem) }
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
            throw TrainingError.fileError(path: path, reason: "cannot read (\(error.localizedDescription))")
        }
        var dataset = FineTuneDataset(examples: [])
        for (index, line) in data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).enumerated() {
            let example: ChatExample
            do {
                guard let parsed = try ChatExample.parse(Data(line), file: path, line: index + 1) else { continue }
                example = parsed
            } catch TrainingError.invalidExample(_, _, let field, _) where skipInvalid {
                dataset.skipped["invalid \(field)", default: 0] += 1
                continue
            }
            switch encoder.encode(example) {
            case .encoded(let encoded):
                dataset.examples.append(encoded)
                if encoded.truncated { dataset.truncated += 1 }
            case .tooLong:
                dataset.skipped["too long", default: 0] += 1
            }
        }
        guard !dataset.examples.isEmpty else {
            let reasons = dataset.skipped.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }.joined(separator: ", ")
            throw TrainingError.fileError(path: path, reason: "no usable example" + (reasons.isEmpty ? "" : " (skipped: \(reasons))"))
        }
        return dataset
    }

    /// Holds out `size` examples (a count ≥ 1, or a fraction in (0, 1) of them, at least one)
    /// chosen by a shuffle seeded with `seed`; both parts keep file order.
    /// - Throws: `TrainingError.invalidJob` (`val_set_size`) when nothing would be left to train on.
    public func split(evalSize size: Double, seed: UInt64) throws -> (train: FineTuneDataset, eval: FineTuneDataset) {
        guard size > 0 else { return (self, FineTuneDataset(examples: [])) }
        let count = size < 1 ? max(1, Int((size * Double(examples.count)).rounded())) : Int(size)
        guard count < examples.count else {
            throw TrainingError.invalidJob(key: "val_set_size", reason: "holds out \(count) of \(examples.count) examples; "
                                           + "none would be left to train on")
        }
        var rng = SplitMix64(seed: seed ^ 0x5EED_0E7A_1000_0000)
        let order = BatchPlanner.seededShuffle(Array(examples.indices), &rng)
        let held = Set(order.prefix(count))
        var train = self, eval = FineTuneDataset(examples: [])
        train.examples = examples.indices.filter { !held.contains($0) }.map { examples[$0] }
        eval.examples = examples.indices.filter(held.contains).map { examples[$0] }
        return (train, eval)
    }

    /// Learned tokens over all examples.
    public var countedTokens: Int { examples.reduce(0) { $0 + $1.countedTokens } }
}
