import Foundation
import RagTuneModelFiles
import RagTuneTensor
import RagTuneTraining

/// kill -9 during `ragtune finetune` of the tiny ChatML model (120 steps, a checkpoint every 5),
/// then `--resume` from the latest checkpoint: the step losses and eval loss must equal those of
/// the uninterrupted run exactly (the same job as `FineTuneCommandTests.killedRunResumesWithTheSameLosses`).
struct FineTuneCrashTrials {
    let dir: URL
    let child: CrashChild

    /// What the trials read from `finetune --json`.
    struct Losses: Decodable {
        var stepLosses: [Double]
        var evalLoss: Double?

        enum CodingKeys: String, CodingKey {
            case stepLosses = "step_losses", evalLoss = "eval_loss"
        }
    }

    /// Writes the tiny model, 24 chat examples and the job file into `dir`.
    /// - Returns: the job file.
    static func writeJob(in dir: URL) throws -> URL {
        let model = dir.appendingPathComponent("tiny.gguf")
        try FuzzTinyModel.gguf(FuzzTinyModel.trainingConfig).write(to: model)
        let lines = (0..<24).map {
            #"{"messages": [{"role": "user", "content": "What is \#($0) plus \#($0)?"}, {"role": "assistant", "content": "It is \#($0 * 2)."}]}"#
        }
        let data = dir.appendingPathComponent("train.jsonl")
        try Data(lines.joined(separator: "\n").utf8).write(to: data)
        let job = dir.appendingPathComponent("job.yaml")
        try Data("""
            base_model: \(model.path)
            data_path: \(data.path)
            val_set_size: 4
            lora_r: 4
            lora_dropout: 0.1
            learning_rate: 1e-2
            max_steps: 120
            micro_batch_size: 2
            gradient_accumulation_steps: 2
            warmup_ratio: 0.1
            lr_scheduler_type: cosine
            cutoff_len: 64
            eval_steps: 50
            save_steps: 5
            logging_steps: 10
            sample_prompts: 1
            sample_max_tokens: 4
            seed: 3
            threads: 1
            """.utf8).write(to: job)
        return job
    }

    func run(trials: Int, rng: inout SplitMix64, log: (String) -> Void) throws -> CrashReport {
        var report = CrashReport()
        let started = Date()
        let job = try Self.writeJob(in: dir)
        func arguments(_ out: URL) -> [String] { ["finetune", "--config", job.path, "--output-dir", out.path, "--json"] }
        let (seconds, output) = try child.timed(arguments(dir.appendingPathComponent("full")))
        guard let full = CrashChild.lastJSON(output, as: Losses.self) else {
            throw BenchError.unexpectedOutput("the uninterrupted fine-tune printed no step_losses")
        }
        let losses = full.stepLosses, evalLoss = full.evalLoss
        log(String(format: "finetune: uninterrupted run %.1f s, %d steps", seconds, losses.count))
        for trial in 0..<trials {
            let out = dir.appendingPathComponent("trial-\(trial)")
            defer { try? FileManager.default.removeItem(at: out) }
            let status = try child.runKilled(arguments(out), after: seconds * 1.05 * Double(rng.float(0, 1)))
            report.trials += 1
            guard status == nil else {
                if status == 0 { report.finishedBeforeKill += 1 } else { report.fail("run failed", "trial \(trial): exit status \(status!)") }
                continue
            }
            report.killed += 1
            let checkpoint = TrainerCheckpoint.latest(in: out.path)
            report.counts[checkpoint == nil ? "restarted_without_checkpoint" : "resumed_from_checkpoint", default: 0] += 1
            let (code, resumedOutput) = try child.run(arguments(out) + (checkpoint == nil ? [] : ["--resume"]))
            guard code == 0, let resumed = CrashChild.lastJSON(resumedOutput, as: Losses.self) else {
                report.fail("resume failed", "trial \(trial) from \(checkpoint?.lastPathComponent ?? "scratch"): exit status \(code)")
                continue
            }
            let again = resumed.stepLosses
            if again != losses {
                let step = zip(again, losses).enumerated().first { $0.element.0 != $0.element.1 }?.offset ?? min(again.count, losses.count)
                report.fail("loss mismatch", "trial \(trial) from \(checkpoint?.lastPathComponent ?? "scratch"): "
                            + "\(again.count) losses, first difference at step \(step + 1)")
            } else if resumed.evalLoss != evalLoss {
                report.fail("eval loss mismatch", "trial \(trial): \(resumed.evalLoss.map { "\($0)" } ?? "none") vs \(evalLoss ?? .nan)")
            }
            let adapter = out.appendingPathComponent("adapter_model.safetensors")
            if (try? SafetensorsFile(url: adapter)) == nil { report.fail("adapter unreadable", "trial \(trial)") }
        }
        report.counts["steps"] = losses.count
        report.seconds = Date().timeIntervalSince(started)
        return report
    }
}
