import Foundation
import RagTuneModelFiles
import RagTuneTensor

/// A Llama-architecture decoder (SmolLM2 and kin) loaded from GGUF, following llama.cpp's
/// conventions: RMSNorm, grouped-query attention with RoPE on adjacent pairs (GGUF q/k rows are
/// pre-permuted), SwiGLU MLP, output head tied to the token embedding when `output.weight` is absent.
/// Weights stay in their stored quantized form inside the mapped file; see `LlamaSession` for the
/// forward pass and KV cache.
public struct LlamaModel: Sendable {
    public let config: LlamaConfig
    /// The file the weights live in (kept open: the matrices point into its mapping).
    public let gguf: GGUFFile

    struct Layer: Sendable {
        let attentionNorm: [Float]      // [d]
        let query: QuantizedMatrix      // [d, d]
        let key: QuantizedMatrix        // [kv, d]
        let value: QuantizedMatrix      // [kv, d]
        let attentionOutput: QuantizedMatrix // [d, d]
        let feedForwardNorm: [Float]    // [d]
        let gate: QuantizedMatrix       // [ff, d]
        let up: QuantizedMatrix         // [ff, d]
        let down: QuantizedMatrix       // [d, ff]
    }

    let tokenEmbedding: QuantizedMatrix // [vocab, d]
    let outputNorm: [Float]             // [d]
    let output: QuantizedMatrix         // [vocab, d]; the token embedding when tied
    let layers: [Layer]

    /// Opens a GGUF file and loads a Llama model from it.
    public init(url: URL) throws {
        try self.init(gguf: GGUFFile(url: url))
    }

    /// Loads the model, checking every tensor's presence, shape and type.
    /// - Parameter int8Weights: whether the weight matrices are repacked for the int8 decode path
    ///   (`QuantizedMatrix.int8`); false for a model only ever run on the exact path, which then
    ///   loads faster and keeps no second copy (a session set to `.int8` runs Float32 on it).
    public init(gguf: GGUFFile, int8Weights: Bool = true) throws {
        let config = try LlamaConfig(gguf: gguf)
        self.config = config
        self.gguf = gguf
        let d = config.embeddingSize, kv = config.kvSize, ff = config.feedForwardSize
        func vector(_ name: String) throws -> [Float] {
            let info = try gguf.requireTensor(name)
            guard info.dimensions == [d] else {
                throw ModelError.wrongShape(file: gguf.name, name: name, expected: [d], actual: info.dimensions)
            }
            return try gguf.floats(name)
        }
        tokenEmbedding = try QuantizedMatrix(gguf, "token_embd.weight", rows: config.vocabularySize, columns: d, int8: int8Weights)
        outputNorm = try vector("output_norm.weight")
        output = gguf.tensor(named: "output.weight") == nil
            ? tokenEmbedding
            : try QuantizedMatrix(gguf, "output.weight", rows: config.vocabularySize, columns: d, int8: int8Weights)
        layers = try (0..<config.layerCount).map { i in
            let p = "blk.\(i)."
            return Layer(
                attentionNorm: try vector(p + "attn_norm.weight"),
                query: try QuantizedMatrix(gguf, p + "attn_q.weight", rows: d, columns: d, int8: int8Weights),
                key: try QuantizedMatrix(gguf, p + "attn_k.weight", rows: kv, columns: d, int8: int8Weights),
                value: try QuantizedMatrix(gguf, p + "attn_v.weight", rows: kv, columns: d, int8: int8Weights),
                attentionOutput: try QuantizedMatrix(gguf, p + "attn_output.weight", rows: d, columns: d, int8: int8Weights),
                feedForwardNorm: try vector(p + "ffn_norm.weight"),
                gate: try QuantizedMatrix(gguf, p + "ffn_gate.weight", rows: ff, columns: d, int8: int8Weights),
                up: try QuantizedMatrix(gguf, p + "ffn_up.weight", rows: ff, columns: d, int8: int8Weights),
                down: try QuantizedMatrix(gguf, p + "ffn_down.weight", rows: d, columns: ff, int8: int8Weights))
        }
    }

    /// Bytes of weights read to generate one token (every layer matrix plus the output head).
    public var weightBytesPerToken: Int {
        let perLayer = layers.first.map { l in
            [l.query, l.key, l.value, l.attentionOutput, l.gate, l.up, l.down].reduce(0) { $0 + $1.rows * $1.rowBytes }
        } ?? 0
        return perLayer * layers.count + output.rows * output.rowBytes
    }
}
