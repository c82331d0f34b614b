import Foundation
import RagTuneModels
import RagTuneTensor

extension ModelMerger {
    /// `ragtune merge` as one call: resolves the base model and the adapter, merges, writes the
    /// GGUF and loads it back (the result must load).
    /// - Parameters:
    ///   - baseModel: catalog name (`smollm2`) or GGUF path
    ///   - adapter: a PEFT folder or a llama.cpp LoRA `.gguf` file
    ///   - type: storage of the merged layer matrices, one of `outputTypes`
    ///   - output: the merged GGUF to write
    /// - Throws: `ModelError` for a missing base or adapter or an adapter of another shape; the
    ///   readers' and writer's errors naming the file.
    public static func merge(baseModel: String, adapter: String, type: QuantType, output: String, threads: Int,
                             locator: ModelLocator = ModelLocator()) throws -> MergeResult {
        let start = Date()
        let baseURL = try locator.weightsFile(baseModel)
        let model = try LlamaModel(url: baseURL)
        let lora = try AdapterLoader.load(adapter, config: model.config, locator: locator)
        let outputURL = URL(fileURLWithPath: output)
        try merge(base: model, adapter: lora, type: type, to: outputURL, threads: threads)
        _ = try LlamaModel(url: outputURL)
        let bytes = (try? outputURL.resourceValues(forKeys: [.fileSizeKey]).fileSize) ?? 0
        return MergeResult(output: output, base: baseURL.path, type: "\(type)",
                           adaptedMatrices: lora.layers.reduce(0) { $0 + $1.count }, bytes: bytes,
                           seconds: Date().timeIntervalSince(start))
    }
}

/// What a merge wrote (`ragtune merge --json`).
public struct MergeResult: Sendable, Equatable, Codable {
    /// The merged GGUF, as given.
    public var output: String
    /// The base model file used.
    public var base: String
    /// The type of the merged layer matrices (`Q8_0`, `F16`, …).
    public var type: String
    /// Layer matrices that had an adapter.
    public var adaptedMatrices: Int
    /// Size of the merged file in bytes.
    public var bytes: Int
    /// Wall time of the whole merge, loading and checking included.
    public var seconds: Double

    enum CodingKeys: String, CodingKey {
        case output, base, type, adaptedMatrices = "adapted_matrices", bytes, seconds
    }
}
