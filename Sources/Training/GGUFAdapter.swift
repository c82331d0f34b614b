import Foundation
import RagTuneModelFiles
import RagTuneModels
import RagTuneTensor

/// llama.cpp's LoRA adapter file (what `convert_lora_to_gguf.py` writes and `llama_adapter_lora_init`
/// reads, e.g. `llama-cli --lora`): GGUF metadata `general.architecture` = "llama",
/// `general.type` = "adapter", `adapter.type` = "lora", `adapter.lora.alpha` (float32); per adapted
/// matrix `blk.{i}.attn_q.weight` two tensors `blk.{i}.attn_q.weight.lora_a` (ne `[in, r]`, i.e. A
/// `[r, in]` row-major) and `….lora_b` (ne `[r, out]`, B `[out, r]`), F32 or F16, in GGUF row order
/// (q/k rows permuted for RoPE, as the base GGUF). llama.cpp scales B·A by α/r (r = B's columns),
/// or by 1 when α is 0.
public enum GGUFAdapter {
    /// The base model tensor `projection` of layer `layer` adapts, e.g. `blk.3.attn_q.weight`.
    public static func baseTensorName(layer: Int, _ projection: LlamaProjection) -> String {
        "blk.\(layer).\(ggufName(projection)).weight"
    }

    private static func ggufName(_ projection: LlamaProjection) -> String {
        switch projection {
        case .query: return "attn_q"
        case .key: return "attn_k"
        case .value: return "attn_v"
        case .output: return "attn_output"
        case .gate: return "ffn_gate"
        case .up: return "ffn_up"
        case .down: return "ffn_down"
        }
    }

    /// The adapter file for `adapter`, ready to write.
    /// - Parameters:
    ///   - type: F32 (exact) or F16 storage of A and B.
    ///   - name: `general.name`, when given.
    /// - Throws: `ModelFilesError.writeFailed` when the matrices do not share one α (= scale·r),
    ///   which the format stores once; `ModelFilesError.invalidTensor` for a type other than F32/F16.
    public static func writer(for adapter: LoRAAdapter, type: QuantType = .f32, name: String? = nil) throws -> GGUFWriter {
        guard type == .f32 || type == .f16 else {
            throw ModelFilesError.invalidTensor(file: "GGUFAdapter", tensor: "lora_a/lora_b",
                                                reason: "adapter tensors are stored as F32 or F16, not \(type)")
        }
        let alphas = adapter.layers.flatMap(\.values).map { $0.scale * Float($0.rank) }
        let alpha = alphas.first ?? 0
        if let other = alphas.first(where: { abs($0 - alpha) > 1e-5 * max(1, abs(alpha)) }) {
            throw ModelFilesError.writeFailed(file: "GGUFAdapter", reason:
                "adapter.lora.alpha is one value per file, but the matrices have α = scale·r of \(alpha) and \(other)")
        }
        var writer = GGUFWriter()
        writer.setMetadata("general.architecture", .string("llama"))
        writer.setMetadata("general.type", .string("adapter"))
        if let name { writer.setMetadata("general.name", .string(name)) }
        writer.setMetadata("adapter.type", .string("lora"))
        writer.setMetadata("adapter.lora.alpha", .float32(alpha))
        for (l, layer) in adapter.layers.enumerated() {
            for projection in LlamaProjection.allCases {
                guard let w = layer[projection] else { continue }
                let base = baseTensorName(layer: l, projection)
                try writer.addTensor(name: base + ".lora_a", dimensions: [w.inFeatures, w.rank], type: type, floats: w.a)
                try writer.addTensor(name: base + ".lora_b", dimensions: [w.rank, w.outFeatures], type: type, floats: w.b)
            }
        }
        return writer
    }

    /// Writes `adapter` as a llama.cpp LoRA GGUF at `url` (atomically). See `writer(for:type:name:)`.
    public static func write(_ adapter: LoRAAdapter, to url: URL, type: QuantType = .f32, name: String? = nil) throws {
        try writer(for: adapter, type: type, name: name).write(to: url)
    }

    /// Reads a llama.cpp LoRA adapter for a decoder of `config`'s shape.
    public static func read(url: URL, config: LlamaConfig) throws -> LoRAAdapter {
        try read(GGUFFile(url: url), config: config)
    }

    /// Reads a llama.cpp LoRA adapter for a decoder of `config`'s shape, checking what llama.cpp
    /// checks (type keys, architecture, paired and shaped tensors).
    /// - Throws: `ModelFilesError` naming the file and the key or tensor at fault.
    public static func read(_ gguf: GGUFFile, config: LlamaConfig) throws -> LoRAAdapter {
        for (key, expected) in [("general.type", "adapter"), ("adapter.type", "lora"), ("general.architecture", "llama")] {
            let value = try gguf.string(key)
            guard value == expected else {
                throw ModelFilesError.invalidMetadata(file: gguf.name, key: key,
                                                      reason: "is \(value.map { "'\($0)'" } ?? "missing"); a llama LoRA adapter has '\(expected)'")
            }
        }
        let alpha = try gguf.float("adapter.lora.alpha") ?? 0
        let byName = Dictionary(uniqueKeysWithValues: (0..<config.layerCount).flatMap { l in
            LlamaProjection.allCases.map { (baseTensorName(layer: l, $0), (l, $0)) }
        })
        var layers = [[LlamaProjection: LoRAAdapter.Weights]](repeating: [:], count: config.layerCount)
        var seen = Set<String>()
        for tensor in gguf.tensors {
            let name = tensor.name
            if name.hasSuffix("_norm.weight") { continue } // llama.cpp ignores these too
            guard name.hasSuffix(".lora_a") || name.hasSuffix(".lora_b") else {
                throw ModelFilesError.invalidTensor(file: gguf.name, tensor: name, reason: "expected a .lora_a or .lora_b suffix")
            }
            let base = String(name.dropLast(".lora_a".count))
            guard seen.insert(base).inserted else { continue }
            guard let (l, projection) = byName[base] else {
                throw ModelFilesError.invalidTensor(file: gguf.name, tensor: name, reason:
                    "adapts '\(base)', which is not a layer matrix of a \(config.layerCount)-layer llama decoder")
            }
            let a = try gguf.requireTensor(base + ".lora_a"), b = try gguf.requireTensor(base + ".lora_b")
            let (rows, columns) = projection.shape(config)
            let rank = a.dimensions.count == 2 ? a.dimensions[1] : 0
            guard rank >= 1, a.dimensions == [columns, rank] else {
                throw ModelFilesError.invalidTensor(file: gguf.name, tensor: a.name, reason:
                    "dimensions \(a.dimensions); '\(base)' [\(rows), \(columns)] needs [\(columns), r]")
            }
            guard b.dimensions == [rank, rows] else {
                throw ModelFilesError.invalidTensor(file: gguf.name, tensor: b.name, reason:
                    "dimensions \(b.dimensions); '\(base)' [\(rows), \(columns)] with r = \(rank) needs [\(rank), \(rows)]")
            }
            layers[l][projection] = try LoRAAdapter.Weights(
                a: gguf.floats(a.name), b: gguf.floats(b.name), rank: rank, inFeatures: columns, outFeatures: rows,
                scale: alpha == 0 ? 1 : alpha / Float(rank))
        }
        return LoRAAdapter(layers: layers)
    }
}
