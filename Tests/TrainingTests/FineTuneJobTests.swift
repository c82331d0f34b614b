import Foundation
import Testing
import RagTuneModels
@testable import RagTuneTraining

/// Job files in YAML and JSON, unknown keys, aliases, overrides and validation.
@Suite struct FineTuneJobTests {
    static func write(_ text: String, ext: String) throws -> String {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("job-\(UUID().uuidString).\(ext)")
        try Data(text.utf8).write(to: url)
        return url.path
    }

    @Test func readsYAMLWithHuggingFaceAndAxolotlNames() throws {
        let path = try Self.write("""
            base_model: /models/tiny.gguf
            train_file: data.jsonl
            val_set_size: 0.1
            lora_r: 16
            lora_alpha: 32
            lora_target_modules: [q_proj, v_proj]
            learning_rate: 1e-4
            micro_batch_size: 2
            lr_scheduler_type: reduce_lr_on_plateau
            lr_scheduler_kwargs: {factor: 0.5, patience: 1}
            train_on_inputs: true
            early_stopping_patience: 3
            seed: 9
            """, ext: "yaml")
        let job = try FineTuneJob.load(from: path)
        #expect(job.baseModel == "/models/tiny.gguf" && job.dataPath == "data.jsonl" && job.valSetSize == 0.1)
        #expect(job.loraR == 16 && job.loraAlpha == 32 && job.loraTargetModules == [.query, .value])
        #expect(job.learningRate == 1e-4 && job.microBatchSize == 2 && job.lrSchedulerType == .reduceOnPlateau)
        #expect(job.lrSchedulerKwargs.factor == 0.5 && job.lrSchedulerKwargs.patience == 1)
        #expect(job.trainOnInputs && job.earlyStoppingPatience == 3 && job.seed == 9)
        #expect(job.numTrainEpochs == 3 && job.gradientAccumulationSteps == 1) // defaults
        try job.validate()
    }

    @Test func readsJSONAndRoundTrips() throws {
        let path = try Self.write(#"{"data_path": "d.jsonl", "per_device_train_batch_size": 3, "lora_target_modules": "all-linear", "max_steps": 50}"#, ext: "json")
        let job = try FineTuneJob.load(from: path)
        #expect(job.microBatchSize == 3 && job.maxSteps == 50 && job.loraTargetModules == LlamaProjection.allCases)
        #expect(try JSONDecoder().decode(FineTuneJob.self, from: JSONEncoder().encode(job)) == job)
    }

    @Test func unknownKeysAndBadValuesNameTheKey() throws {
        let typo = try Self.write("data_path: d.jsonl\nlearning_rat: 0.001\n", ext: "yml")
        do {
            _ = try FineTuneJob.load(from: typo)
            Issue.record("a typo was accepted")
        } catch let TrainingError.invalidJob(key, reason) {
            #expect(key == "learning_rat" && reason.hasPrefix("unknown key"))
        }
        let cases: [(String, String)] = [
            (#"{"lora_r": "big"}"#, "lora_r"), (#"{"lora_r": 2.5}"#, "lora_r"),
            (#"{"lora_target_modules": ["q_proj", "attn"]}"#, "lora_target_modules"),
            (#"{"lr_scheduler_type": "exponential"}"#, "lr_scheduler_type"),
            (#"{"lr_scheduler_kwargs": {"factr": 0.5}}"#, "lr_scheduler_kwargs.factr"),
            (#"{"data_path": "a", "train_file": "b"}"#, "train_file"),
            (#"{"train_on_inputs": "maybe"}"#, "train_on_inputs"),
        ]
        for (json, key) in cases {
            let path = try Self.write(json, ext: "json")
            #expect(throws: TrainingError.self, "\(json)") { try FineTuneJob.load(from: path) }
            do { _ = try FineTuneJob.load(from: path) } catch let TrainingError.invalidJob(found, _) {
                #expect(found == key, "\(json)")
            } catch { Issue.record("\(json): \(error)") }
        }
    }

    @Test func overridesWinOverTheFile() throws {
        var job = FineTuneJob()
        job.dataPath = "file.jsonl"
        job.loraR = 4
        job.learningRate = 3e-4
        let overridden = try job.overriding(["lora_r": "16", "learning_rate": "1e-4", "train_file": "cli.jsonl",
                                             "lora_target_modules": "q_proj,v_proj", "lr_scheduler_kwargs": #"{"patience": 2}"#])
        #expect(overridden.loraR == 16 && overridden.learningRate == 1e-4 && overridden.dataPath == "cli.jsonl")
        #expect(overridden.loraTargetModules == [.query, .value] && overridden.lrSchedulerKwargs.patience == 2)
        #expect(overridden.cutoffLen == job.cutoffLen)
        #expect(throws: TrainingError.invalidJob(key: "lora_rank", reason: "unknown key")) { try job.overriding(["lora_rank": "2"]) }
    }

    @Test func validationNamesTheSetting() {
        func failure(_ change: (inout FineTuneJob) -> Void) -> String? {
            var job = FineTuneJob()
            job.dataPath = "d.jsonl"
            change(&job)
            do { try job.validate(); return nil } catch let TrainingError.invalidJob(key, _) { return key } catch { return "\(error)" }
        }
        let case0 = failure { _ in }
        #expect(case0 == nil)
        let case1 = failure { $0.dataPath = nil }
        #expect(case1 == "data_path")
        let case2 = failure { $0.loraDropout = 1 }
        #expect(case2 == "lora_dropout")
        let case3 = failure { $0.warmupSteps = 5; $0.warmupRatio = 0.1 }
        #expect(case3 == "warmup_ratio")
        let case4 = failure { $0.valSetSize = 2.5 }
        #expect(case4 == "val_set_size")
        let case7 = failure { $0.cutoffLen = 1 }
        #expect(case7 == "cutoff_len")
        // Issue 13.4: a job file's threads are bounded like --threads (100000 started 32k threads).
        let case8 = failure { $0.threads = 100_000 }
        #expect(case8 == "threads")
        let case9 = failure { $0.loraR = 1 << 40 }
        #expect(case9 == "lora_r")
    }

    /// Issue 13.11: the job's paths are checked before any model loads, in words.
    @Test func pathsAreCheckedBeforeTraining() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("ragtune-jobpaths-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("train.jsonl")
        try Data("{}".utf8).write(to: file)
        func problem(_ change: (inout FineTuneJob) -> Void) -> String? {
            var job = FineTuneJob()
            job.dataPath = file.path
            job.outputDir = dir.appendingPathComponent("out").path
            change(&job)
            do { try job.checkPaths(); return nil } catch { return "\(error)" }
        }
        #expect(problem { _ in } == nil)
        #expect(problem { $0.dataPath = dir.path }?.contains("data_path: \(dir.path): is a folder, not a file") == true)
        #expect(problem { $0.evalFile = dir.appendingPathComponent("missing.jsonl").path }?.contains("no such file") == true)
        #expect(problem { $0.outputDir = file.path }?.contains("output_dir: \(file.path): is a file, not a folder") == true)
        #expect(problem { $0.outputDir = file.path + "/sub" }?.contains("is a file, not a folder") == true)
    }

    /// The settings table holds every key of the contract once, in file order, with its aliases;
    /// a default job writes each set one under its main key with the documented defaults.
    @Test func settingsTableKeepsTheKeysAndDefaults() throws {
        #expect(FineTuneJob.settings.flatMap { [$0.key] + $0.aliases } == [
            "base_model", "data_path", "train_file", "eval_file", "val_set_size", "output_dir", "lora_r", "lora_alpha",
            "lora_dropout", "lora_target_modules", "learning_rate", "num_train_epochs", "max_steps",
            "per_device_train_batch_size", "micro_batch_size", "gradient_accumulation_steps", "warmup_steps", "warmup_ratio",
            "lr_scheduler_type", "lr_scheduler_kwargs", "weight_decay", "max_grad_norm", "cutoff_len", "train_on_inputs",
            "group_by_length", "gradient_checkpointing", "eval_steps", "save_steps", "logging_steps",
            "early_stopping_patience", "early_stopping_threshold", "seed", "threads", "skip_invalid", "sample_prompts",
            "sample_max_tokens",
        ])
        let job = FineTuneJob()
        let written = Dictionary(uniqueKeysWithValues: try FineTuneJob.settings.compactMap { setting in
            try setting.jsonText(of: job).map { (setting.key, $0) }
        })
        #expect(written == [
            "base_model": #""smollm2""#, "val_set_size": "0", "output_dir": #""lora-out""#, "lora_r": "8", "lora_alpha": "16",
            "lora_dropout": "0.05", "learning_rate": "0.0002", "num_train_epochs": "3", "max_steps": "-1",
            "lora_target_modules": #"["q_proj","k_proj","v_proj","o_proj","gate_proj","up_proj","down_proj"]"#,
            "per_device_train_batch_size": "4", "gradient_accumulation_steps": "1", "warmup_steps": "0", "warmup_ratio": "0",
            "lr_scheduler_type": #""linear""#, "lr_scheduler_kwargs": #"{"factor":0.1,"min_lr":0,"patience":10,"threshold":0.0001}"#,
            "weight_decay": "0", "max_grad_norm": "1", "cutoff_len": "512", "train_on_inputs": "false",
            "group_by_length": "false", "gradient_checkpointing": "false", "eval_steps": "0", "save_steps": "500",
            "logging_steps": "10", "early_stopping_threshold": "0", "seed": "42", "threads": "2", "skip_invalid": "false",
            "sample_prompts": "3", "sample_max_tokens": "32",
        ])
        let overridden = try job.overriding(["early_stopping_patience": "2", "eval_file": "e.jsonl", "seed": "5"])
        #expect(overridden.earlyStoppingPatience == 2 && overridden.evalFile == "e.jsonl" && overridden.seed == 5)
        #expect(throws: TrainingError.invalidJob(key: "seed", reason: "must be ≥ 0")) { try job.overriding(["seed": "-1"]) }
        #expect(throws: TrainingError.self) { try job.overriding(["lr_scheduler_kwargs": "[1]"]) }
    }

    /// The job file of the README's fine-tuning section loads and validates as printed.
    @Test func readmeJobFileLoads() throws {
        let readme = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("README.md")
        let text = try String(contentsOf: readme, encoding: .utf8)
        let start = try #require(text.range(of: "```yaml\n# job.yaml"))
        let end = try #require(text.range(of: "```", range: start.upperBound..<text.endIndex))
        let yaml = String(text[start.upperBound..<end.lowerBound].drop { $0 != "\n" })
        let job = try FineTuneJob.load(from: try Self.write(yaml, ext: "yaml"))
        #expect(job.loraR == 16 && job.microBatchSize == 4 && job.lrSchedulerType == .cosine && job.earlyStoppingPatience == 3)
        try job.validate()
    }
}
