import Foundation
import RagTuneModelFiles
import RagTuneModels

/// Reading and writing a PEFT adapter directory, as `PeftModel.save_pretrained` lays it out:
/// `adapter_config.json` and `adapter_model.safetensors` with tensors named
/// `base_model.model.model.layers.{i}.self_attn.{q,k,v,o}_proj.lora_{A,B}.weight` and
/// `….mlp.{gate,up,down}_proj.lora_{A,B}.weight`; A `[r, in]`, B `[out, r]`, Hugging Face row order
/// (q_proj / k_proj B rows un-permuted from GGUF order, see `RoPERowOrder`).
extension PEFTAdapter {
    /// File names inside an adapter directory.
    public static let configFileName = "adapter_config.json"
    public static let weightsFileName = "adapter_model.safetensors"

    /// PEFT's name of matrix `matrix` of the adapter on `projection` in layer `layer`.
    public static func tensorName(layer: Int, _ projection: LlamaProjection, _ matrix: LoRALayout.Matrix) -> String {
        let block: String
        switch projection {
        case .query, .key, .value, .output: block = "self_attn"
        case .gate, .up, .down: block = "mlp"
        }
        return "base_model.model.model.layers.\(layer).\(block).\(projection.rawValue).lora_\(matrix == .a ? "A" : "B").weight"
    }

    /// Writes `adapter_config.json` and `adapter_model.safetensors` into `directory` (created if
    /// needed), each atomically.
    /// - Parameter dtype: F32 (exact), F16 or BF16.
    public func write(to directory: URL, dtype: SafetensorsDType = .f32) throws {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        var writer = SafetensorsWriter(metadata: ["format": "pt"])
        let layout = parameters.layout
        for l in 0..<layout.layerCount {
            for target in lora.targets {
                let shape = layout.shape(of: target)!
                var b = parameters.weights(layer: l, target: target, .b)!
                if let heads = RoPERowOrder.heads(of: target, config) {
                    b = RoPERowOrder.reorder(b, columns: lora.rank, headSize: shape.rows / heads, toGGUF: false)
                }
                try writer.add(name: Self.tensorName(layer: l, target, .a), dtype: dtype, shape: [lora.rank, shape.columns],
                               floats: parameters.weights(layer: l, target: target, .a)!)
                try writer.add(name: Self.tensorName(layer: l, target, .b), dtype: dtype, shape: [shape.rows, lora.rank],
                               floats: b)
            }
        }
        try writer.write(to: directory.appendingPathComponent(Self.weightsFileName))
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        let json = try encoder.encode(PEFTAdapterConfig(lora: lora, baseModel: baseModel))
        try (json + Data("\n".utf8)).write(to: directory.appendingPathComponent(Self.configFileName), options: .atomic)
    }

    /// Reads a PEFT LoRA adapter directory trained on a decoder of `config`'s shape.
    /// - Throws: `ModelFilesError` naming the file and the key or tensor at fault: a missing or
    ///   malformed file, an unsupported PEFT option, a missing tensor, a tensor of the wrong shape,
    ///   or a tensor that belongs to no configured module.
    public init(directory: URL, config: LlamaConfig) throws {
        let configURL = directory.appendingPathComponent(Self.configFileName)
        let peftConfig: PEFTAdapterConfig
        do {
            peftConfig = try JSONDecoder().decode(PEFTAdapterConfig.self, from: Data(contentsOf: configURL))
        } catch let error as DecodingError {
            throw ModelFilesError.invalidHeader(file: configURL.path, reason: "not a PEFT adapter config: \(error)")
        } catch let error as CocoaError {
            throw ModelFilesError.cannotOpen(file: configURL.path, reason: error.localizedDescription)
        }
        let lora = try peftConfig.loraConfiguration(file: configURL.path)
        let file = try SafetensorsFile(url: directory.appendingPathComponent(Self.weightsFileName))
        let layout = LoRALayout(config: config, rank: lora.rank, targets: lora.targets)
        // Every matrix the adapter must hold: (layer, target, A or B, tensor name, expected shape).
        let matrices = (0..<config.layerCount).flatMap { l in
            lora.targets.flatMap { target in
                let shape = layout.shape(of: target)!
                return [(l, target, LoRALayout.Matrix.a, [lora.rank, shape.columns]), (l, target, .b, [shape.rows, lora.rank])]
            }
        }
        // Every shape is checked before the parameters are allocated: a config's rank must not
        // size an allocation the tensors do not back.
        for (l, target, matrix, expected) in matrices {
            let name = Self.tensorName(layer: l, target, matrix)
            let actual = try file.requireInfo(name).shape
            guard actual == expected else {
                let shape = layout.shape(of: target)!
                throw ModelFilesError.invalidTensor(file: file.name, tensor: name, reason:
                    "shape \(actual); r = \(lora.rank) on a [\(shape.rows), \(shape.columns)] matrix needs \(expected)")
            }
        }
        var parameters = LoRAParameters(zerosWith: layout)
        var unused = Set(file.tensorNames)
        for (l, target, matrix, _) in matrices {
            let name = Self.tensorName(layer: l, target, matrix)
            var values = try file.floats(name)
            if matrix == .b, let heads = RoPERowOrder.heads(of: target, config) {
                values = RoPERowOrder.reorder(values, columns: lora.rank, headSize: layout.shape(of: target)!.rows / heads,
                                              toGGUF: true)
            }
            parameters.values.replaceSubrange(layout.range(layer: l, target: target, matrix)!, with: values)
            unused.remove(name)
        }
        if let extra = unused.sorted().first {
            throw ModelFilesError.invalidTensor(file: file.name, tensor: extra, reason: "not a LoRA matrix of the configured "
                + "modules \(peftConfig.targetModules) on \(config.layerCount) layers (\(unused.count) such tensors)")
        }
        try self.init(lora: lora, parameters: parameters, config: config, baseModel: peftConfig.baseModelNameOrPath)
    }
}
