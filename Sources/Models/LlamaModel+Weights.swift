/// The seven weight matrices of a Llama decoder layer, named as Hugging Face / PEFT modules
/// (`target_modules` in a PEFT `adapter_config.json`).
public enum LlamaProjection: String, CaseIterable, Sendable, Codable {
    case query = "q_proj"
    case key = "k_proj"
    case value = "v_proj"
    case output = "o_proj"
    case gate = "gate_proj"
    case up = "up_proj"
    case down = "down_proj"

    /// `(rows, columns)` = (output features, input features) of this matrix under `config`.
    public func shape(_ config: LlamaConfig) -> (rows: Int, columns: Int) {
        let d = config.embeddingSize
        switch self {
        case .query, .output: return (d, d)
        case .key, .value: return (config.kvSize, d)
        case .gate, .up: return (config.feedForwardSize, d)
        case .down: return (d, config.feedForwardSize)
        }
    }
}

/// Read-only access to the stored weights, for code outside this module that runs the
/// architecture itself (the fine-tuning layer's explicit forward/backward).
extension LlamaModel {
    /// Layer `layer`'s matrix `projection` in its stored type: `[out, in]`.
    public func matrix(_ projection: LlamaProjection, layer: Int) -> QuantizedMatrix {
        let l = layers[layer]
        switch projection {
        case .query: return l.query
        case .key: return l.key
        case .value: return l.value
        case .output: return l.attentionOutput
        case .gate: return l.gate
        case .up: return l.up
        case .down: return l.down
        }
    }

    /// RMSNorm gain before layer `layer`'s attention block. - Returns: `[d]`
    public func attentionNormWeights(layer: Int) -> [Float] { layers[layer].attentionNorm }

    /// RMSNorm gain before layer `layer`'s MLP block. - Returns: `[d]`
    public func feedForwardNormWeights(layer: Int) -> [Float] { layers[layer].feedForwardNorm }

    /// RMSNorm gain after the last layer. - Returns: `[d]`
    public var finalNormWeights: [Float] { outputNorm }

    /// The token embedding table, `[vocab, d]`.
    public var tokenEmbeddingMatrix: QuantizedMatrix { tokenEmbedding }

    /// The output head, `[vocab, d]` (the token embedding when tied).
    public var outputHeadMatrix: QuantizedMatrix { output }
}
