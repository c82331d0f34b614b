import Foundation
import RagTuneModelFiles

/// A resumable snapshot of a `Trainer` in `output_dir/checkpoint-N` (N = steps done), laid out
/// as Hugging Face's: the PEFT adapter (`adapter_config.json`, `adapter_model.safetensors`),
/// `optimizer.safetensors` (AdamW's `exp_avg` and `exp_avg_sq`, F32, and its step count) and
/// `trainer_state.json` (`TrainerStateFile`: Hugging Face's summary keys, as the final file, plus
/// the job and the `TrainerState`: step, data position, schedule monitors, log and loss history).
///
/// Written atomically as a whole: the files go to a hidden temporary directory, are flushed to
/// disk, and the directory is renamed to `checkpoint-N`, so a run killed at any moment leaves
/// either a complete checkpoint or none.
public enum TrainerCheckpoint {
    static let optimizerFileName = "optimizer.safetensors"
    static let stateFileName = "trainer_state.json"
    static let prefix = "checkpoint-"

    /// Writes the trainer's checkpoint. - Returns: the `checkpoint-N` directory
    @discardableResult
    public static func save(_ trainer: Trainer) throws -> URL {
        let output = URL(fileURLWithPath: trainer.job.outputDir, isDirectory: true)
        let final = output.appendingPathComponent("\(prefix)\(trainer.state.step)", isDirectory: true)
        let temporary = output.appendingPathComponent(".\(prefix)\(trainer.state.step).tmp-\(getpid())", isDirectory: true)
        let manager = FileManager.default
        do {
            try? manager.removeItem(at: temporary)
            try manager.createDirectory(at: temporary, withIntermediateDirectories: true)
            try PEFTAdapter(model: trainer.model).write(to: temporary)
            var optimizer = SafetensorsWriter(metadata: ["step": "\(trainer.optimizer.step)"])
            let count = trainer.optimizer.firstMoment.count
            try optimizer.add(name: "exp_avg", dtype: .f32, shape: [count], floats: trainer.optimizer.firstMoment)
            try optimizer.add(name: "exp_avg_sq", dtype: .f32, shape: [count], floats: trainer.optimizer.secondMoment)
            try optimizer.write(to: temporary.appendingPathComponent(optimizerFileName))
            try writeSynced(try TrainerStateFile(trainer, resumable: true).data(),
                            to: temporary.appendingPathComponent(stateFileName))
            try? manager.removeItem(at: final) // a re-run after resuming from an earlier checkpoint
            try manager.moveItem(at: temporary, to: final)
        } catch let error as TrainingError {
            try? manager.removeItem(at: temporary)
            throw error
        } catch {
            try? manager.removeItem(at: temporary)
            throw TrainingError.fileError(path: final.path, reason: "cannot write the checkpoint: \(error)")
        }
        return final
    }

    /// The checkpoint with the most steps in `outputDir`, or nil when there is none.
    public static func latest(in outputDir: String) -> URL? {
        let directory = URL(fileURLWithPath: outputDir, isDirectory: true)
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        let best = names.compactMap { name -> (Int, String)? in
            guard name.hasPrefix(prefix), let step = Int(name.dropFirst(prefix.count)) else { return nil }
            return (step, name)
        }.max { $0.0 < $1.0 }
        return best.map { directory.appendingPathComponent($0.1, isDirectory: true) }
    }

    /// Puts the trainer back where the checkpoint left it: adapter weights, optimizer moments
    /// and step, data position, monitors and history.
    /// - Throws: `TrainingError.fileError` for a missing or damaged checkpoint, `.invalidJob`
    ///   naming a setting that differs from the checkpoint's in a way that changes training.
    public static func restore(_ trainer: Trainer, from directory: URL) throws {
        let stateURL = directory.appendingPathComponent(stateFileName)
        let saved: TrainerStateFile.Resume
        do { saved = try JSONDecoder().decode(TrainerStateFile.Resume.self, from: Data(contentsOf: stateURL)) } catch {
            throw TrainingError.fileError(path: stateURL.path, reason: "not a readable checkpoint state (\(error))")
        }
        try checkCompatible(saved.job, trainer.job)
        do {
            let adapter = try PEFTAdapter(directory: directory, config: trainer.model.base.config)
            guard adapter.parameters.layout == trainer.model.parameters.layout else {
                throw TrainingError.shapeMismatch("the checkpoint's adapter has another layout")
            }
            let optimizer = try SafetensorsFile(url: directory.appendingPathComponent(optimizerFileName))
            let first = try optimizer.floats("exp_avg"), second = try optimizer.floats("exp_avg_sq")
            let count = trainer.optimizer.firstMoment.count
            guard first.count == count, second.count == count else {
                throw TrainingError.shapeMismatch("optimizer moments hold \(first.count) and \(second.count) values; need \(count)")
            }
            guard adapter.parameters.values.allSatisfy(\.isFinite), first.allSatisfy(\.isFinite), second.allSatisfy(\.isFinite),
                  saved.state.stepLosses.allSatisfy(\.isFinite) else {
                throw TrainingError.nonFinite("the checkpoint holds non-finite adapter weights, optimizer moments or losses "
                                              + "(NaN or infinity); resume from an earlier checkpoint")
            }
            trainer.model.parameters = adapter.parameters
            trainer.optimizer.firstMoment = first
            trainer.optimizer.secondMoment = second
            trainer.optimizer.step = saved.adamStep
            trainer.state = saved.state
        } catch let error as TrainingError {
            throw TrainingError.fileError(path: directory.path, reason: "\(error)")
        } catch {
            throw TrainingError.fileError(path: directory.path, reason: "cannot read the checkpoint: \(error)")
        }
    }

    /// Settings that may change on resume: where and how often things are written, threads, samples.
    static let resumableKeys: Set<String> = ["output_dir", "threads", "logging_steps", "save_steps",
                                             "sample_prompts", "sample_max_tokens", "skip_invalid"]

    private static func checkCompatible(_ saved: FineTuneJob, _ current: FineTuneJob) throws {
        for setting in FineTuneJob.settings where !resumableKeys.contains(setting.key) {
            let old = try setting.jsonText(of: saved), new = try setting.jsonText(of: current)
            if old != new {
                throw TrainingError.invalidJob(key: setting.key, reason: "is \(new ?? "unset") but the checkpoint was trained with "
                                               + "\(old ?? "unset"); resume with the same setting")
            }
        }
    }

    /// Writes `data` to `url` and flushes it to disk before returning.
    static func writeSynced(_ data: Data, to url: URL) throws {
        guard FileManager.default.createFile(atPath: url.path, contents: nil) else {
            throw TrainingError.fileError(path: url.path, reason: "cannot create")
        }
        let handle = try FileHandle(forWritingTo: url)
        defer { try? handle.close() }
        try handle.write(contentsOf: data)
        try handle.synchronize()
    }
}
