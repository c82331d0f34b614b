import Foundation

/// The files a finished run leaves in `output_dir`: the PEFT adapter, the llama.cpp adapter,
/// `trainer_state.json` (`TrainerStateFile` without the resume part) and, written last,
/// `report.html`. The first three are written to a hidden folder inside `output_dir` and moved
/// into place only once all are complete and the weights are finite, so a failed run never
/// replaces a good adapter.
public struct FineTuneOutputs: Sendable, Equatable, Codable {
    /// `output_dir`, holding the PEFT adapter.
    public var adapterDirectory: String
    /// `adapter.gguf`, `trainer_state.json` and `report.html` in it.
    public var ggufAdapter: String
    public var trainerState: String
    public var report: String

    enum CodingKeys: String, CodingKey {
        case adapterDirectory = "adapter_dir", ggufAdapter = "adapter_gguf", trainerState = "trainer_state", report
    }

    /// The paths of a run into `outputDir`.
    init(outputDir: String) {
        let directory = URL(fileURLWithPath: outputDir, isDirectory: true)
        adapterDirectory = directory.path
        ggufAdapter = directory.appendingPathComponent("adapter.gguf").path
        trainerState = directory.appendingPathComponent(TrainerCheckpoint.stateFileName).path
        report = directory.appendingPathComponent("report.html").path
    }

    /// Writes the adapters and `trainer_state.json` of `trainer` into `output_dir`.
    /// - Throws: `TrainingError.nonFinite` when a weight is NaN or infinite (nothing written).
    static func write(trainer: Trainer) throws -> FineTuneOutputs {
        let outputDir = trainer.job.outputDir
        guard trainer.model.parameters.values.allSatisfy(\.isFinite) else {
            throw TrainingError.nonFinite("the trained adapter has non-finite weights; nothing was written to \(outputDir)")
        }
        let outputs = FineTuneOutputs(outputDir: outputDir)
        let directory = URL(fileURLWithPath: outputDir, isDirectory: true)
        let staging = directory.appendingPathComponent(".final.tmp-\(getpid())", isDirectory: true)
        let manager = FileManager.default
        try? manager.removeItem(at: staging)
        try manager.createDirectory(at: staging, withIntermediateDirectories: true)
        defer { try? manager.removeItem(at: staging) }
        let adapter = try PEFTAdapter(model: trainer.model, baseModel: PEFTAdapter.defaultBaseModel)
        try adapter.write(to: staging)
        try GGUFAdapter.write(adapter.inferenceAdapter, to: staging.appendingPathComponent("adapter.gguf"))
        try TrainerStateFile(trainer, resumable: false).data()
            .write(to: staging.appendingPathComponent(TrainerCheckpoint.stateFileName), options: .atomic)
        for name in try manager.contentsOfDirectory(atPath: staging.path).sorted() {
            let target = directory.appendingPathComponent(name)
            if rename(staging.appendingPathComponent(name).path, target.path) != 0 {
                throw TrainingError.fileError(path: target.path, reason: String(cString: strerror(errno)))
            }
        }
        return outputs
    }
}
