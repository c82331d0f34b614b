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
/// command-line precedence, the run in-process (`FineTuneRun`) and resumed, and a run killed with SIGKILL after its first checkpoint that,
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

    /// Every setting of `FineTuneJob.settings` has its `--kebab-case` flag (and one per alias),
    /// and a value given there reaches the job under the setting's key.
    @Test func everySettingHasItsFlag() throws {
        for setting in FineTuneJob.settings where setting.key != "skip_invalid" {
            for flag in setting.flags {
                let values = try FineTuneCommand.parse([flag, "7"]).overrides.values()
                #expect(values == [setting.key: "7"], "\(flag)")
            }
        }
        #expect(try FineTuneCommand.parse(["--skip-invalid"]).overrides.values() == ["skip_invalid": "true"])
        #expect(FineTuneJob.setting("skip_invalid")?.flags == ["--skip-invalid"])
    }

    /// The job of the kill -9 trials (`FineTuneCrashTrials.writeJob`: the tiny ChatML model, 24
    /// examples, 4 held out), as the command resolves it, with `extra` flags.
    static func job(in dir: URL, output: String, _ extra: [String] = []) throws -> FineTuneJob {
        let config = try FineTuneCrashTrials.writeJob(in: dir)
        return try FineTuneCommand.parse(["--config", config.path, "--output-dir", dir.appendingPathComponent(output).path]
                                         + extra).resolvedJob()
    }

    /// The library call `finetune` makes, in-process: the events in order, the result, the files
    /// and the key names of every JSON it prints or writes.
    @Test func runWritesAdaptersStateAndReport() throws {
        let dir = try Self.folder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let job = try Self.job(in: dir, output: "out", ["--max-steps", "20", "--eval-steps", "10", "--save-steps", "10"])
        var events: [FineTuneEvent] = []
        let result = try FineTuneRun(job: job).run { events.append($0) }

        guard case .prepared(let totalSteps, let data)? = events.first, case .trained? = events.last else {
            Issue.record("the run must start with .prepared and end with .trained")
            return
        }
        #expect(totalSteps == 20 && data.hasPrefix("20 training examples"))
        let entries = events.compactMap { event -> TrainerLogEntry? in if case .logged(let entry) = event { entry } else { nil } }
        let checkpoints = events.compactMap { event -> Int? in if case .checkpoint(_, let step) = event { step } else { nil } }
        #expect(checkpoints == [10]) // none after the last step: the final files follow
        #expect(result.steps == 20 && result.stepLosses.count == 20 && result.stepLosses.allSatisfy(\.isFinite))
        #expect(result.trainExamples == 20 && result.evalExamples == 4 && result.samples.count == 1)
        #expect(result.evalLoss == entries.last { $0.evalLoss != nil }?.evalLoss && result.evalLoss != nil)
        #expect(result.trainLoss == entries.last { $0.loss != nil }?.loss && result.trainLoss != nil)

        let out = URL(fileURLWithPath: job.outputDir)
        #expect(result.outputs.adapterDirectory == out.path && result.outputs.report == out.appendingPathComponent("report.html").path)
        let report = try String(contentsOf: URL(fileURLWithPath: result.outputs.report), encoding: .utf8)
        #expect(report.contains("<svg") && !report.contains("<script"))
        if HeadlessBrowser.executable != nil || HeadlessBrowser.required {
            // The report's charts load in a real browser without a console message.
            let loaded = try HeadlessBrowser.load(URL(fileURLWithPath: result.outputs.report))
            #expect(loaded.status == 0 && loaded.console.isEmpty && loaded.dom.contains("<svg"), "\(loaded.console)")
        }
        let config = FuzzTinyModel.trainingConfig
        #expect(try AdapterLoader.load(result.outputs.adapterDirectory, config: config)
                == AdapterLoader.load(result.outputs.ggufAdapter, config: config))

        let stateData = try Data(contentsOf: URL(fileURLWithPath: result.outputs.trainerState))
        let state = try JSONDecoder().decode(TrainerStateFile.self, from: stateData)
        #expect(state.resume == nil && state.summary.stepLosses == result.stepLosses && state.summary.maxSteps == 20)
        let summaryKeys: Set<String> = ["global_step", "epoch", "max_steps", "num_train_epochs", "train_batch_size",
                                        "gradient_accumulation_steps", "logging_steps", "eval_steps", "save_steps",
                                        "stopped_early", "counted_tokens", "input_tokens", "train_seconds", "step_losses",
                                        "log_history"]
        #expect(try JSONKeys.keys(in: stateData) == summaryKeys)
        let checkpointState = try Data(contentsOf: out.appendingPathComponent("checkpoint-10/trainer_state.json"))
        #expect(try JSONKeys.keys(in: checkpointState) == summaryKeys.union(["job", "state", "adamStep"]))
        #expect(try JSONDecoder().decode(TrainerStateFile.self, from: checkpointState).resume?.state.step == 10)

        #expect(try JSONKeys.keys(of: result) == ["type", "steps", "epochs", "train_examples", "eval_examples", "skipped", "truncated", "tokens",
                              "learned_tokens", "tokens_per_second", "train_seconds", "seconds", "peak_rss_mb",
                              "stopped_early", "step_losses", "outputs", "samples", "train_loss", "eval_loss",
                              "eval_perplexity"])
        #expect(try JSONKeys.keys(of: result, under: "outputs") == ["adapter_dir", "adapter_gguf", "trainer_state", "report"])
        #expect(try JSONKeys.keys(of: result, under: "samples[]") == ["prompt", "reference", "before", "after"])
        let training = try #require(entries.first { $0.loss != nil }), evaluation = try #require(entries.first { $0.evalLoss != nil })
        #expect(try JSONKeys.keys(of: TrainerLogRecord(training))
                == ["type", "step", "epoch", "loss", "learning_rate", "grad_norm", "tokens_per_second"])
        #expect(try JSONKeys.keys(of: TrainerLogRecord(evaluation))
                == ["type", "step", "epoch", "eval_loss", "eval_perplexity"])
        #expect(try JSONKeys.keys(of: CheckpointRecord(step: 10, path: "p")) == ["type", "step", "path"])
    }

    /// Resuming in-process from a copy of the step-10 checkpoint repeats the uninterrupted losses.
    @Test func resumedRunRepeatsTheLosses() throws {
        let dir = try Self.folder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let flags = ["--max-steps", "20", "--eval-steps", "10", "--save-steps", "10"]
        let full = try FineTuneRun(job: Self.job(in: dir, output: "full", flags)).run()
        let resumedJob = try Self.job(in: dir, output: "resumed", flags)
        try FileManager.default.createDirectory(atPath: resumedJob.outputDir, withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: dir.appendingPathComponent("full/checkpoint-10"),
                                        to: URL(fileURLWithPath: resumedJob.outputDir).appendingPathComponent("checkpoint-10"))
        var resumedAt: Int?
        let resumed = try FineTuneRun(job: resumedJob, resume: .latest).run { event in
            if case .resumed(_, let step) = event { resumedAt = step }
        }
        #expect(resumedAt == 10)
        #expect(resumed.stepLosses == full.stepLosses && resumed.evalLoss == full.evalLoss)
        #expect(throws: TrainingError.self) {
            try FineTuneRun(job: Self.job(in: dir, output: "empty", flags), resume: .latest).run()
        }
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
