import Foundation
import RagTuneTensor
import RagTuneModels
import Yams

extension FineTuneJob: Codable {
    /// Every accepted key. `train_file` and `micro_batch_size` are aliases of `data_path` and
    /// `per_device_train_batch_size`.
    enum CodingKeys: String, CodingKey, CaseIterable {
        case baseModel = "base_model", dataPath = "data_path", trainFile = "train_file", evalFile = "eval_file"
        case valSetSize = "val_set_size", outputDir = "output_dir", loraR = "lora_r", loraAlpha = "lora_alpha"
        case loraDropout = "lora_dropout", loraTargetModules = "lora_target_modules", learningRate = "learning_rate"
        case numTrainEpochs = "num_train_epochs", maxSteps = "max_steps"
        case microBatchSize = "per_device_train_batch_size", microBatchAlias = "micro_batch_size"
        case gradientAccumulationSteps = "gradient_accumulation_steps", warmupSteps = "warmup_steps"
        case warmupRatio = "warmup_ratio", lrSchedulerType = "lr_scheduler_type", lrSchedulerKwargs = "lr_scheduler_kwargs"
        case weightDecay = "weight_decay", maxGradNorm = "max_grad_norm", cutoffLen = "cutoff_len"
        case trainOnInputs = "train_on_inputs", groupByLength = "group_by_length"
        case gradientCheckpointing = "gradient_checkpointing", evalSteps = "eval_steps", saveSteps = "save_steps"
        case loggingSteps = "logging_steps", earlyStoppingPatience = "early_stopping_patience"
        case earlyStoppingThreshold = "early_stopping_threshold", seed, threads, skipInvalid = "skip_invalid"
        case samplePrompts = "sample_prompts", sampleMaxTokens = "sample_max_tokens"
    }

    /// Reads the keys present, leniently typed (YAML writes `1e-4` as a string, so numbers may
    /// come as strings); an unknown key, an alias given with its main key, or a value of the
    /// wrong type throws `TrainingError.invalidJob` naming the key.
    public init(from decoder: any Decoder) throws {
        self.init()
        let c = try decoder.container(keyedBy: AnyKey.self)
        let names = Set(c.allKeys.map(\.stringValue))
        for (alias, main) in [(CodingKeys.trainFile, CodingKeys.dataPath), (.microBatchAlias, .microBatchSize)]
        where names.contains(alias.rawValue) && names.contains(main.rawValue) {
            throw TrainingError.invalidJob(key: alias.rawValue, reason: "is an alias of \(main.rawValue); give only one")
        }
        for key in c.allKeys {
            guard let field = CodingKeys(rawValue: key.stringValue) else {
                throw TrainingError.invalidJob(key: key.stringValue, reason: "unknown key; known keys: "
                                               + CodingKeys.allCases.map(\.rawValue).joined(separator: ", "))
            }
            try set(field, from: JobValue(container: c, key: key))
        }
    }

    private mutating func set(_ field: CodingKeys, from v: JobValue) throws {
        switch field {
        case .baseModel: baseModel = try v.string()
        case .dataPath, .trainFile: dataPath = try v.string()
        case .evalFile: evalFile = try v.isNull() ? nil : v.string()
        case .valSetSize: valSetSize = try v.double()
        case .outputDir: outputDir = try v.string()
        case .loraR: loraR = try v.int()
        case .loraAlpha: loraAlpha = try v.double()
        case .loraDropout: loraDropout = try v.double()
        case .loraTargetModules: loraTargetModules = try v.modules()
        case .learningRate: learningRate = try v.double()
        case .numTrainEpochs: numTrainEpochs = try v.double()
        case .maxSteps: maxSteps = try v.int()
        case .microBatchSize, .microBatchAlias: microBatchSize = try v.int()
        case .gradientAccumulationSteps: gradientAccumulationSteps = try v.int()
        case .warmupSteps: warmupSteps = try v.int()
        case .warmupRatio: warmupRatio = try v.double()
        case .lrSchedulerType: lrSchedulerType = try v.scheduler()
        case .lrSchedulerKwargs: lrSchedulerKwargs = try v.plateau()
        case .weightDecay: weightDecay = try v.double()
        case .maxGradNorm: maxGradNorm = try v.double()
        case .cutoffLen: cutoffLen = try v.int()
        case .trainOnInputs: trainOnInputs = try v.bool()
        case .groupByLength: groupByLength = try v.bool()
        case .gradientCheckpointing: gradientCheckpointing = try v.bool()
        case .evalSteps: evalSteps = try v.int()
        case .saveSteps: saveSteps = try v.int()
        case .loggingSteps: loggingSteps = try v.int()
        case .earlyStoppingPatience: earlyStoppingPatience = try v.isNull() ? nil : v.int()
        case .earlyStoppingThreshold: earlyStoppingThreshold = try v.double()
        case .seed:
            let value = try v.int()
            guard value >= 0 else { throw v.failure("must be ≥ 0") }
            seed = UInt64(value)
        case .threads: threads = try v.int()
        case .skipInvalid: skipInvalid = try v.bool()
        case .samplePrompts: samplePrompts = try v.int()
        case .sampleMaxTokens: sampleMaxTokens = try v.int()
        }
    }

    /// Writes every setting under its main key (the resolved job saved next to the results).
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(baseModel, forKey: .baseModel)
        try c.encodeIfPresent(dataPath, forKey: .dataPath)
        try c.encodeIfPresent(evalFile, forKey: .evalFile)
        try c.encode(valSetSize, forKey: .valSetSize)
        try c.encode(outputDir, forKey: .outputDir)
        try c.encode(loraR, forKey: .loraR)
        try c.encode(loraAlpha, forKey: .loraAlpha)
        try c.encode(loraDropout, forKey: .loraDropout)
        try c.encode(loraTargetModules.map(\.rawValue), forKey: .loraTargetModules)
        try c.encode(learningRate, forKey: .learningRate)
        try c.encode(numTrainEpochs, forKey: .numTrainEpochs)
        try c.encode(maxSteps, forKey: .maxSteps)
        try c.encode(microBatchSize, forKey: .microBatchSize)
        try c.encode(gradientAccumulationSteps, forKey: .gradientAccumulationSteps)
        try c.encode(warmupSteps, forKey: .warmupSteps)
        try c.encode(warmupRatio, forKey: .warmupRatio)
        try c.encode(lrSchedulerType, forKey: .lrSchedulerType)
        try c.encode(lrSchedulerKwargs, forKey: .lrSchedulerKwargs)
        try c.encode(weightDecay, forKey: .weightDecay)
        try c.encode(maxGradNorm, forKey: .maxGradNorm)
        try c.encode(cutoffLen, forKey: .cutoffLen)
        try c.encode(trainOnInputs, forKey: .trainOnInputs)
        try c.encode(groupByLength, forKey: .groupByLength)
        try c.encode(gradientCheckpointing, forKey: .gradientCheckpointing)
        try c.encode(evalSteps, forKey: .evalSteps)
        try c.encode(saveSteps, forKey: .saveSteps)
        try c.encode(loggingSteps, forKey: .loggingSteps)
        try c.encodeIfPresent(earlyStoppingPatience, forKey: .earlyStoppingPatience)
        try c.encode(earlyStoppingThreshold, forKey: .earlyStoppingThreshold)
        try c.encode(seed, forKey: .seed)
        try c.encode(threads, forKey: .threads)
        try c.encode(skipInvalid, forKey: .skipInvalid)
        try c.encode(samplePrompts, forKey: .samplePrompts)
        try c.encode(sampleMaxTokens, forKey: .sampleMaxTokens)
    }

    /// Reads a job file: JSON when the name ends in `.json`, YAML otherwise.
    /// - Throws: `TrainingError.fileError` for an unreadable or malformed file, `.invalidJob` for a bad key.
    public static func load(from path: String) throws -> FineTuneJob {
        if let problem = FileCheck.problemReading(path) { throw TrainingError.fileError(path: path, reason: problem) }
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
            throw TrainingError.fileError(path: path, reason: "cannot read the job file (\(error.localizedDescription))")
        }
        do {
            if path.lowercased().hasSuffix(".json") { return try JSONDecoder().decode(FineTuneJob.self, from: data) }
            guard let text = String(data: data, encoding: .utf8) else {
                throw TrainingError.fileError(path: path, reason: "not valid UTF-8")
            }
            return try YAMLDecoder().decode(FineTuneJob.self, from: text)
        } catch let error as TrainingError {
            throw error
        } catch DecodingError.dataCorrupted(let context) where context.underlyingError is TrainingError {
            throw context.underlyingError! // Yams wraps what init(from:) throws
        } catch {
            throw TrainingError.fileError(path: path, reason: "not a valid job file: \(error)")
        }
    }
}

extension FineTuneJob.Scheduler {
    /// Accepts RagTune's names and Hugging Face's (`constant_with_warmup`, `reduce_lr_on_plateau`).
    init?(name: String) {
        switch name {
        case "constant_with_warmup": self = .constant
        case "reduce_lr_on_plateau": self = .reduceOnPlateau
        default: self.init(rawValue: name)
        }
    }
}

/// Any string key, to see every key of a mapping (including unknown ones).
struct AnyKey: CodingKey {
    let stringValue: String
    init(stringValue: String) { self.stringValue = stringValue }
    var intValue: Int? { nil }
    init?(intValue: Int) { nil }
}

/// One setting's value, decoded leniently: numbers and booleans may be strings.
private struct JobValue {
    let container: KeyedDecodingContainer<AnyKey>
    let key: AnyKey

    func failure(_ reason: String) -> TrainingError {
        TrainingError.invalidJob(key: key.stringValue, reason: reason)
    }

    func isNull() throws -> Bool { try container.decodeNil(forKey: key) }

    func string() throws -> String {
        guard let value = try? container.decode(String.self, forKey: key) else { throw failure("expected a string") }
        return value
    }

    func double() throws -> Double {
        if let value = try? container.decode(Double.self, forKey: key), value.isFinite { return value }
        if let text = try? container.decode(String.self, forKey: key), let value = Double(text.trimmingCharacters(in: .whitespaces)),
           value.isFinite { return value }
        throw failure("expected a number")
    }

    func int() throws -> Int {
        if let value = try? container.decode(Int.self, forKey: key) { return value }
        let number = try double()
        guard number == number.rounded(), abs(number) < 1e15 else { throw failure("expected a whole number, got \(number)") }
        return Int(number)
    }

    func bool() throws -> Bool {
        if let value = try? container.decode(Bool.self, forKey: key) { return value }
        switch (try? container.decode(String.self, forKey: key))?.lowercased() {
        case "true": return true
        case "false": return false
        default: throw failure("expected true or false")
        }
    }

    /// A list of PEFT module names, one comma-separated string, or `all-linear`.
    func modules() throws -> [LlamaProjection] {
        let names: [String]
        if let list = try? container.decode([String].self, forKey: key) {
            names = list
        } else {
            names = try string().split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        }
        if names == ["all-linear"] { return LlamaProjection.allCases }
        return try names.map { name in
            guard let projection = LlamaProjection(rawValue: name) else {
                throw failure("unknown module '\(name)'; use all-linear or "
                              + LlamaProjection.allCases.map(\.rawValue).joined(separator: ", "))
            }
            return projection
        }
    }

    func scheduler() throws -> FineTuneJob.Scheduler {
        let name = try string()
        guard let scheduler = FineTuneJob.Scheduler(name: name) else {
            throw failure("unknown scheduler '\(name)'; use "
                          + FineTuneJob.Scheduler.allCases.map(\.rawValue).joined(separator: ", "))
        }
        return scheduler
    }

    func plateau() throws -> FineTuneJob.PlateauOptions {
        let nested: KeyedDecodingContainer<AnyKey>
        do { nested = try container.nestedContainer(keyedBy: AnyKey.self, forKey: key) } catch {
            throw failure("expected a mapping of factor, patience, threshold, min_lr")
        }
        var options = FineTuneJob.PlateauOptions()
        for inner in nested.allKeys {
            let value = JobValue(container: nested, key: AnyKey(stringValue: inner.stringValue))
            switch FineTuneJob.PlateauOptions.CodingKeys(rawValue: inner.stringValue) {
            case .factor: options.factor = try value.double()
            case .patience: options.patience = try value.int()
            case .threshold: options.threshold = try value.double()
            case .minLR: options.minLR = try value.double()
            case nil:
                throw TrainingError.invalidJob(key: "\(key.stringValue).\(inner.stringValue)",
                                               reason: "unknown key; known: factor, patience, threshold, min_lr")
            }
        }
        return options
    }
}

extension FineTuneJob {
    /// This job with some settings replaced (command-line overrides win over the job file).
    /// - Parameter values: setting key → value as typed on the command line: numbers and
    ///   booleans as text, module lists comma-separated, `lr_scheduler_kwargs` as a JSON object.
    /// - Throws: `TrainingError.invalidJob` naming an unknown key or a value of the wrong type.
    public func overriding(_ values: [String: String]) throws -> FineTuneJob {
        guard !values.isEmpty else { return self }
        var object = try JSONSerialization.jsonObject(with: JSONEncoder().encode(self)) as? [String: Any] ?? [:]
        let aliases = [CodingKeys.trainFile.rawValue: CodingKeys.dataPath.rawValue,
                       CodingKeys.microBatchAlias.rawValue: CodingKeys.microBatchSize.rawValue]
        for (key, value) in values {
            let main = aliases[key] ?? key
            guard CodingKeys(rawValue: main) != nil else {
                throw TrainingError.invalidJob(key: key, reason: "unknown key")
            }
            if main == CodingKeys.lrSchedulerKwargs.rawValue {
                guard let nested = try? JSONSerialization.jsonObject(with: Data(value.utf8)) as? [String: Any] else {
                    throw TrainingError.invalidJob(key: key, reason: "expected a JSON object, e.g. {\"factor\": 0.5, \"patience\": 2}")
                }
                object[main] = nested
            } else {
                object[main] = value
            }
        }
        return try JSONDecoder().decode(FineTuneJob.self, from: JSONSerialization.data(withJSONObject: object))
    }
}
