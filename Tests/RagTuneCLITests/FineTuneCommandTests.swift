import Foundation
import Testing
import RagTuneTestSupport
import RagTuneModelFiles
import RagTuneModels
import RagTuneTensor
import RagTuneTraining
@testable import RagTuneBench
@testable import ragtune

/// `ragtune finetune` end to end on a tiny random Llama GGUF with a tokenizer built in code:
/// command-line precedence, and a run killed with SIGKILL after its first checkpoint that,
/// resumed, repeats the losses of an uninterrupted run.
@Suite(.serialized) struct FineTuneCommandTests {
    static func folder() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("ragtune-ft-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }

    @Test func commandLineOverridesTheJobFile() throws {
        let dir = try Self.folder()
        let config = dir.appendingPathComponent("job.yaml")
        try Data("data_path: a.jsonl\nlora_r: 4\nlearning_rate: 3e-4\ncutoff_len: 64\n".utf8).write(to: config)
        let command = try FineTuneCommand.parse(["--config", config.path, "--lora-r", "16", "--learning-rate", "1e-4",
                                                 "--micro-batch-size", "2", "--loss", "all", "--skip-invalid"])
        let job = try command.resolvedJob()
        #expect(job.loraR == 16 && job.learningRate == 1e-4 && job.microBatchSize == 2)
        #expect(job.cutoffLen == 64 && job.dataPath == "a.jsonl" && job.trainOnInputs && job.skipInvalid)
        #expect(throws: (any Error).self) { try FineTuneCommand.parse(["--config", config.path, "--lora-r", "x"]).resolvedJob() }
        #expect(throws: (any Error).self) { try FineTuneCommand.parse(["somewhere/checkpoint-2"]) }
        let resume = try FineTuneCommand.parse(["--config", config.path, "--resume", "out/checkpoint-4"])
        #expect(resume.resume && resume.checkpoint == "out/checkpoint-4")
    }

    /// The tiny ChatML model and job of the kill -9 trials (`FineTuneCrashTrials.writeJob`): a
    /// 2-layer d=32 Llama with a byte-level tokenizer built in code, so no model download is needed.
    @Test(.enabled(if: IndexCommandTests.hasBinary, "the ragtune binary is not built"))
    func killedRunResumesWithTheSameLosses() throws {
        let binary = try #require(IndexCommandTests.builtBinary())
        let dir = try Self.folder()
        let job = try FineTuneCrashTrials.writeJob(in: dir)
        let full = try IndexCommandTests.runJSON(binary, ["finetune", "--config", job.path, "--output-dir",
                                                          dir.appendingPathComponent("full").path, "--json"], afterRecords: true)
        let fullLosses = try #require(full["step_losses"] as? [Double])
        #expect(fullLosses.count == 120 && full["eval_loss"] != nil)
        let report = try String(contentsOf: dir.appendingPathComponent("full/report.html"), encoding: .utf8)
        #expect(report.contains("<svg") && !report.contains("<script"))
        #expect(FileManager.default.fileExists(atPath: dir.appendingPathComponent("full/adapter_model.safetensors").path))

        let resumedDir = dir.appendingPathComponent("killed")
        let process = Process()
        process.executableURL = binary
        process.arguments = ["finetune", "--config", job.path, "--output-dir", resumedDir.path]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline, process.isRunning, TrainerCheckpoint.latest(in: resumedDir.path) == nil {
            Thread.sleep(forTimeInterval: 0.002)
        }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        #expect(process.terminationReason == .uncaughtSignal, "the run must be killed mid-way")
        let checkpoint = try #require(TrainerCheckpoint.latest(in: resumedDir.path))
        #expect(!FileManager.default.fileExists(atPath: resumedDir.appendingPathComponent("report.html").path))
        let resumed = try IndexCommandTests.runJSON(binary, ["finetune", "--config", job.path, "--output-dir", resumedDir.path,
                                                             "--json", "--resume"], afterRecords: true)
        print("killed after \(checkpoint.lastPathComponent); resumed run reports \(resumed["steps"] ?? "?") steps")
        #expect(resumed["step_losses"] as? [Double] == fullLosses)
        #expect(resumed["eval_loss"] as? Double == full["eval_loss"] as? Double)
        try? FileManager.default.removeItem(at: dir)
    }
}
