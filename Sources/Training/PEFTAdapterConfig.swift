import Foundation
import RagTuneModelFiles
import RagTuneModels

/// PEFT's `adapter_config.json` for a LoRA adapter (`peft.LoraConfig`), with PEFT's key names.
/// Written with every field PEFT 0.1x writes (nulls included), so `PeftModel.from_pretrained`
/// loads it; read leniently (missing optional keys take PEFT's defaults), refusing only what
/// RagTune cannot apply: DoRA, rsLoRA, per-module ranks, biases, transposed (`fan_in_fan_out`)
/// weights, a subset of layers, or modules outside the seven Llama projections.
public struct PEFTAdapterConfig: Sendable, Equatable, Codable {
    public var peftType = "LORA"
    public var taskType = "CAUSAL_LM"
    public var rank: Int
    public var alpha: Float
    public var dropout: Float
    /// PEFT module names (`q_proj` … `down_proj`).
    public var targetModules: [String]
    public var baseModelNameOrPath: String
    public var bias = "none"
    public var fanInFanOut = false
    public var inferenceMode = true
    public var useRSLoRA = false
    public var useDoRA = false
    /// Names of per-module overrides (`rank_pattern`, `alpha_pattern`): must be empty.
    public var rankPattern: [String: Int] = [:]
    public var alphaPattern: [String: Float] = [:]
    public var modulesToSave: [String]?
    public var layersToTransform: [Int]?

    enum CodingKeys: String, CodingKey {
        case peftType = "peft_type", taskType = "task_type", rank = "r", alpha = "lora_alpha"
        case dropout = "lora_dropout", targetModules = "target_modules"
        case baseModelNameOrPath = "base_model_name_or_path", bias, fanInFanOut = "fan_in_fan_out"
        case inferenceMode = "inference_mode", useRSLoRA = "use_rslora", useDoRA = "use_dora"
        case rankPattern = "rank_pattern", alphaPattern = "alpha_pattern", modulesToSave = "modules_to_save"
        case layersToTransform = "layers_to_transform"
        // written for PEFT, ignored on reading
        case initLoRAWeights = "init_lora_weights", layersPattern = "layers_pattern", revision
        case autoMapping = "auto_mapping", loftqConfig = "loftq_config", layerReplication = "layer_replication"
        case megatronConfig = "megatron_config", megatronCore = "megatron_core"
    }

    /// The configuration of `lora` adapters trained on `baseModel`.
    public init(lora: LoRAConfiguration, baseModel: String) {
        rank = lora.rank
        alpha = lora.alpha
        dropout = lora.dropout
        targetModules = lora.targets.map(\.rawValue)
        baseModelNameOrPath = baseModel
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        peftType = try c.decodeIfPresent(String.self, forKey: .peftType) ?? "LORA"
        taskType = try c.decodeIfPresent(String.self, forKey: .taskType) ?? "CAUSAL_LM"
        rank = try c.decode(Int.self, forKey: .rank)
        alpha = try c.decodeIfPresent(Float.self, forKey: .alpha) ?? 8
        dropout = try c.decodeIfPresent(Float.self, forKey: .dropout) ?? 0
        if let list = try? c.decode([String].self, forKey: .targetModules) {
            targetModules = list
        } else {
            targetModules = [try c.decode(String.self, forKey: .targetModules)]
        }
        baseModelNameOrPath = try c.decodeIfPresent(String.self, forKey: .baseModelNameOrPath) ?? ""
        bias = try c.decodeIfPresent(String.self, forKey: .bias) ?? "none"
        fanInFanOut = try c.decodeIfPresent(Bool.self, forKey: .fanInFanOut) ?? false
        inferenceMode = try c.decodeIfPresent(Bool.self, forKey: .inferenceMode) ?? true
        useRSLoRA = try c.decodeIfPresent(Bool.self, forKey: .useRSLoRA) ?? false
        useDoRA = try c.decodeIfPresent(Bool.self, forKey: .useDoRA) ?? false
        rankPattern = try c.decodeIfPresent([String: Int].self, forKey: .rankPattern) ?? [:]
        alphaPattern = try c.decodeIfPresent([String: Float].self, forKey: .alphaPattern) ?? [:]
        modulesToSave = try c.decodeIfPresent([String].self, forKey: .modulesToSave)
        layersToTransform = try? c.decodeIfPresent([Int].self, forKey: .layersToTransform)
        if layersToTransform == nil, let single = try? c.decodeIfPresent(Int.self, forKey: .layersToTransform) {
            layersToTransform = [single]
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode([String: Float](), forKey: .alphaPattern)
        try c.encodeNil(forKey: .autoMapping)
        try c.encode(baseModelNameOrPath, forKey: .baseModelNameOrPath)
        try c.encode(bias, forKey: .bias)
        try c.encode(fanInFanOut, forKey: .fanInFanOut)
        try c.encode(inferenceMode, forKey: .inferenceMode)
        try c.encode(true, forKey: .initLoRAWeights)
        try c.encodeNil(forKey: .layerReplication)
        try c.encodeNil(forKey: .layersPattern)
        try c.encodeNil(forKey: .layersToTransform)
        try c.encode([String: Int](), forKey: .loftqConfig)
        if alpha == alpha.rounded(), abs(alpha) < 1e9 { try c.encode(Int(alpha), forKey: .alpha) } else { try c.encode(alpha, forKey: .alpha) }
        try c.encode(dropout, forKey: .dropout)
        try c.encodeNil(forKey: .megatronConfig)
        try c.encode("megatron.core", forKey: .megatronCore)
        try c.encodeNil(forKey: .modulesToSave)
        try c.encode(peftType, forKey: .peftType)
        try c.encode(rank, forKey: .rank)
        try c.encode([String: Int](), forKey: .rankPattern)
        try c.encodeNil(forKey: .revision)
        try c.encode(targetModules, forKey: .targetModules)
        try c.encode(taskType, forKey: .taskType)
        try c.encode(useDoRA, forKey: .useDoRA)
        try c.encode(useRSLoRA, forKey: .useRSLoRA)
    }

    /// The LoRA hyper-parameters, after checking that RagTune can apply this adapter.
    /// - Parameter file: the JSON file's path, named in errors.
    /// - Throws: `ModelFilesError.invalidMetadata` naming the file and the offending key.
    public func loraConfiguration(file: String) throws -> LoRAConfiguration {
        func refuse(_ key: CodingKeys, _ reason: String) -> ModelFilesError {
            .invalidMetadata(file: file, key: key.rawValue, reason: reason)
        }
        let checks: [(Bool, CodingKeys, String)] = [
            (peftType == "LORA", .peftType, "is '\(peftType)'; only LORA adapters are supported"),
            ((1...LoRAConfiguration.maximumRank).contains(rank), .rank, "is \(rank); must be in 1...\(LoRAConfiguration.maximumRank)"),
            (dropout >= 0 && dropout < 1, .dropout, "is \(dropout); must be in [0, 1)"),
            (bias == "none", .bias, "is '\(bias)'; adapters with trained biases are not supported"),
            (!fanInFanOut, .fanInFanOut, "is true; only [out, in] (nn.Linear) weights are supported"),
            (!useRSLoRA, .useRSLoRA, "is true; rank-stabilized scaling (α/√r) is not supported"),
            (!useDoRA, .useDoRA, "is true; DoRA adapters are not supported"),
            (rankPattern.isEmpty, .rankPattern, "per-module ranks \(rankPattern.keys.sorted()) are not supported"),
            (alphaPattern.isEmpty, .alphaPattern, "per-module alphas \(alphaPattern.keys.sorted()) are not supported"),
            (modulesToSave?.isEmpty ?? true, .modulesToSave, "fully trained modules \(modulesToSave ?? []) are not supported"),
            (layersToTransform == nil, .layersToTransform, "adapters on a subset of layers are not supported"),
        ]
        if let failed = checks.first(where: { !$0.0 }) { throw refuse(failed.1, failed.2) }
        let targets = try targetModules.map { name in
            guard let projection = LlamaProjection(rawValue: name) else {
                throw refuse(.targetModules, "module '\(name)' is not one of "
                             + LlamaProjection.allCases.map(\.rawValue).joined(separator: ", "))
            }
            return projection
        }
        // PEFT applies the modules in the model's order, whatever the order of the list
        let ordered = LlamaProjection.allCases.filter(targets.contains)
        let lora = LoRAConfiguration(rank: rank, alpha: alpha, dropout: dropout, targets: ordered)
        do { try lora.validate() } catch { throw refuse(.targetModules, "\(error)") }
        return lora
    }
}
