import Foundation
import RagTuneModelFiles
import RagTuneModels
import RagTuneTensor

/// Merges LoRA adapters into a GGUF Llama model (PEFT's `merge_and_unload`, then llama.cpp's
/// quantize): every layer matrix W `[out, in]` becomes W + scale·B·A, dequantized to Float32 for
/// the sum and stored as the requested type. The other tensors (token embedding, tied or separate
/// output head, F32 norms) are copied byte for byte, and every metadata key (tokenizer, chat
/// template, …) is kept, except `general.file_type`, which names the new type (llama.cpp's
/// `llama_ftype`). A layer matrix without an adapter that is already stored as the requested type
/// is copied unchanged.
public enum ModelMerger {
    /// Types a merged model's layer matrices can be stored as.
    public static let outputTypes: [QuantType] = [.f32, .f16, .q8_0, .q4_1, .q4_0]

    /// The merged model, ready to write.
    /// - Parameters:
    ///   - base: the model the adapter was trained on
    ///   - adapter: in GGUF row order (validated against `base`)
    ///   - type: storage of the layer matrices, one of `outputTypes`
    ///   - threads: workers for dequantizing and quantizing
    /// - Throws: `ModelError.invalidInput` for an adapter of another shape or an unsupported type.
    public static func merge(base: LlamaModel, adapter: LoRAAdapter, type: QuantType,
                             threads: Int = 2) throws -> GGUFWriter {
        guard outputTypes.contains(type) else {
            throw ModelError.invalidInput("cannot store merged weights as \(type); use one of \(outputTypes)")
        }
        try adapter.validate(for: base.config)
        let gguf = base.gguf
        let layerMatrices = Dictionary(uniqueKeysWithValues: (0..<base.config.layerCount).flatMap { l in
            LlamaProjection.allCases.map { (GGUFAdapter.baseTensorName(layer: l, $0), (l, $0)) }
        })
        var writer = GGUFWriter()
        for key in gguf.metadataKeys { writer.setMetadata(key, gguf.metadata[key]!) }
        writer.setMetadata("general.file_type", .uint32(fileType(type)))
        for tensor in gguf.tensors {
            guard let (l, projection) = layerMatrices[tensor.name],
                  tensor.type != type || adapter.weights(layer: l, projection) != nil else {
                let bytes = try gguf.withTensorBytes(tensor.name) { [UInt8]($0) }
                try writer.addTensor(name: tensor.name, dimensions: tensor.dimensions, type: tensor.type, bytes: bytes)
                continue
            }
            let merged = mergedMatrix(base.matrix(projection, layer: l), adapter.weights(layer: l, projection), threads: threads)
            try writer.addTensor(name: tensor.name, dimensions: tensor.dimensions, type: type,
                                 bytes: quantize(merged, columns: tensor.dimensions[0], type: type, threads: threads))
        }
        return writer
    }

    /// Merges and writes the model to `url` (atomically). See `merge(base:adapter:type:threads:)`.
    public static func merge(base: LlamaModel, adapter: LoRAAdapter, type: QuantType, to url: URL,
                             threads: Int = 2) throws {
        try merge(base: base, adapter: adapter, type: type, threads: threads).write(to: url)
    }

    /// W + scale·B·A as Float32. - Returns: `[out, in]` row-major
    static func mergedMatrix(_ matrix: QuantizedMatrix, _ weights: LoRAAdapter.Weights?, threads: Int) -> [Float] {
        let count = matrix.rows * matrix.columns
        return [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
            let w = buffer.baseAddress!
            Parallel.forRanges(count: matrix.rows, threads: threads, minimumPerThread: 64) { rows in
                matrix.dequantize(rows: rows, into: w + rows.lowerBound * matrix.columns)
            }
            weights?.addDelta(into: w)
            initialized = count
        }
    }

    /// `values` (`[rows, columns]`) encoded as `type`, rows split over `threads`.
    static func quantize(_ values: [Float], columns: Int, type: QuantType, threads: Int) -> [UInt8] {
        let rows = values.count / columns
        let rowBytes = type.byteCount(elements: columns)!
        return [UInt8](unsafeUninitializedCapacity: rows * rowBytes) { buffer, initialized in
            let out = UnsafeMutableRawPointer(buffer.baseAddress!)
            values.withUnsafeBufferPointer { source in
                Parallel.forRanges(count: rows, threads: threads, minimumPerThread: 64) { range in
                    Quantization.quantize(type: type, from: source.baseAddress! + range.lowerBound * columns,
                                          count: range.count * columns, into: out + range.lowerBound * rowBytes)
                }
            }
            initialized = rows * rowBytes
        }
    }

    /// llama.cpp's `llama_ftype` of a model whose layer matrices are `type` ("mostly" that type).
    static func fileType(_ type: QuantType) -> UInt32 {
        switch type {
        case .f32: return 0
        case .f16: return 1
        case .q4_0: return 2
        case .q4_1: return 3
        case .q8_0: return 7
        case .bf16: return 32
        }
    }
}
