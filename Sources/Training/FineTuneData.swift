
/// The training and eval examples of a job: `data_path` (minus `val_set_size` held out) and
/// `eval_file`, encoded for the model.
struct FineTuneData: Sendable {
    let train: FineTuneDataset
    let eval: FineTuneDataset

    init(job: FineTuneJob, encoder: ChatExampleEncoder) throws {
        guard let dataPath = job.dataPath else { throw TrainingError.invalidJob(key: "data_path", reason: "required") }
        let all = try FineTuneDataset.load(path: dataPath, encoder: encoder, skipInvalid: job.skipInvalid)
        if let evalFile = job.evalFile {
            train = all
            eval = try FineTuneDataset.load(path: evalFile, encoder: encoder, skipInvalid: job.skipInvalid)
        } else {
            (train, eval) = try all.split(evalSize: job.valSetSize, seed: job.seed)
        }
    }

    /// Skip counts of both files by reason.
    var skipped: [String: Int] { train.skipped.merging(eval.skipped, uniquingKeysWith: +) }

    /// One line for the log.
    func describe() -> String {
        var text = "\(train.examples.count) training examples (\(train.countedTokens) learned tokens), "
            + "\(eval.examples.count) eval examples"
        let truncated = train.truncated + eval.truncated
        if truncated > 0 { text += ", \(truncated) truncated to cutoff_len" }
        if !skipped.isEmpty {
            text += "; skipped: " + skipped.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }.joined(separator: ", ")
        }
        return text
    }
}
