import Foundation
import RagTuneTensor

/// A BERT encoder (post-LayerNorm, exact-erf GELU), as all-MiniLM-L6-v2 uses it, with mean
/// pooling and L2 normalization for sentence embeddings. Weights are F32, read from safetensors
/// with Hugging Face names; `Linear` weights are stored `[out, in]`.
///
/// Batches are packed: sequences of different lengths are laid end to end (no padding rows), and
/// attention runs per sequence over its own length. This equals running a padded batch with an
/// attention mask, without computing the padding.
public struct BertModel: Sendable {
    public let config: BertConfig

    struct Layer: Sendable {
        var qkv: [Float]          // [3·hidden, hidden]: query, key, value rows stacked
        var qkvBias: [Float]      // [3·hidden]
        var attentionOut: [Float] // [hidden, hidden]
        var attentionOutBias: [Float]
        var norm1Gamma: [Float], norm1Beta: [Float] // [hidden]
        var ffnIn: [Float]        // [intermediate, hidden]
        var ffnInBias: [Float]    // [intermediate]
        var ffnOut: [Float]       // [hidden, intermediate]
        var ffnOutBias: [Float]   // [hidden]
        var norm2Gamma: [Float], norm2Beta: [Float] // [hidden]
    }

    let wordEmbeddings: [Float]      // [vocab, hidden]
    let positionEmbeddings: [Float]  // [maxPositions, hidden]
    let tokenTypeEmbeddings: [Float] // [tokenTypes, hidden]
    let embeddingNormGamma: [Float], embeddingNormBeta: [Float] // [hidden]
    let layers: [Layer]

    /// Loads the weights of `config` from a safetensors file, checking every name and shape.
    /// - Parameters:
    ///   - weights: a safetensors file with Hugging Face BERT names (`embeddings.…`, `encoder.layer.N.…`).
    ///   - prefix: put before every name, e.g. `"bert."` for the encoder of a `BertForSequenceClassification`
    ///     checkpoint.
    /// - Throws: `ModelError.missingTensor`/`.wrongShape` naming the file and the full tensor name.
    public init(config: BertConfig, weights url: URL, prefix: String = "") throws {
        try self.init(config: config, weights: SafetensorsWeights(url: url, prefix: prefix))
    }

    /// Loads the encoder from already opened weights (their prefix included).
    init(config: BertConfig, weights: SafetensorsWeights) throws {
        self.config = config
        let h = config.hiddenSize, ff = config.intermediateSize
        let tensor = weights.tensor
        wordEmbeddings = try tensor("embeddings.word_embeddings.weight", [config.vocabularySize, h])
        positionEmbeddings = try tensor("embeddings.position_embeddings.weight", [config.maxPositions, h])
        tokenTypeEmbeddings = try tensor("embeddings.token_type_embeddings.weight", [config.tokenTypeCount, h])
        embeddingNormGamma = try tensor("embeddings.LayerNorm.weight", [h])
        embeddingNormBeta = try tensor("embeddings.LayerNorm.bias", [h])
        layers = try (0..<config.layerCount).map { i in
            let p = "encoder.layer.\(i)."
            let a = p + "attention."
            return Layer(
                qkv: try tensor(a + "self.query.weight", [h, h]) + tensor(a + "self.key.weight", [h, h])
                    + tensor(a + "self.value.weight", [h, h]),
                qkvBias: try tensor(a + "self.query.bias", [h]) + tensor(a + "self.key.bias", [h])
                    + tensor(a + "self.value.bias", [h]),
                attentionOut: try tensor(a + "output.dense.weight", [h, h]),
                attentionOutBias: try tensor(a + "output.dense.bias", [h]),
                norm1Gamma: try tensor(a + "output.LayerNorm.weight", [h]),
                norm1Beta: try tensor(a + "output.LayerNorm.bias", [h]),
                ffnIn: try tensor(p + "intermediate.dense.weight", [ff, h]),
                ffnInBias: try tensor(p + "intermediate.dense.bias", [ff]),
                ffnOut: try tensor(p + "output.dense.weight", [h, ff]),
                ffnOutBias: try tensor(p + "output.dense.bias", [h]),
                norm2Gamma: try tensor(p + "output.LayerNorm.weight", [h]),
                norm2Beta: try tensor(p + "output.LayerNorm.bias", [h]))
        }
    }

    /// Sentence embeddings: mean of the last hidden states over each sequence's tokens, L2-normalized.
    /// - Parameters:
    ///   - batch: token ids per sequence (with `[CLS]`/`[SEP]`), each 1...maxPositions long.
    ///   - threads: worker threads (BLAS and element-wise work).
    ///   - workspace: scratch memory to reuse across calls (a fresh one by default).
    /// - Returns: `[batch.count][hidden]`
    public func embed(_ batch: [[Int]], threads: Int, workspace: BertWorkspace = BertWorkspace()) throws -> [[Float]] {
        let states = try hiddenStates(batch, threads: threads, workspace: workspace)
        let h = config.hiddenSize
        var offset = 0
        return batch.map { ids in
            var pooled = [Float](repeating: 0, count: h)
            states.withUnsafeBufferPointer { s in
                for t in 0..<ids.count { Kernels.add(s.baseAddress! + (offset + t) * h, into: &pooled, count: h) }
            }
            offset += ids.count
            Kernels.scale(&pooled, by: 1 / Float(ids.count), count: h)
            Kernels.l2Normalize(&pooled, count: h)
            return pooled
        }
    }

    /// Last-layer hidden states of every token, sequences packed end to end (all token types 0).
    /// - Returns: `[Σ lengths, hidden]`
    public func hiddenStates(_ batch: [[Int]], threads: Int,
                             workspace: BertWorkspace = BertWorkspace()) throws -> Tensor {
        try hiddenStates(batch, threads: threads, workspace: workspace, attention: nil)
    }

    /// Last-layer hidden states of sequences with segment (token type) ids, as for sentence pairs
    /// `[CLS] a [SEP] b [SEP]` with types `0…0 1…1` (`WordPieceTokenizer.encodePair`).
    /// - Parameters:
    ///   - batch: token ids per sequence, each 1...maxPositions long.
    ///   - tokenTypes: one type id per token of `batch`, each in `0..<config.tokenTypeCount`.
    /// - Returns: `[Σ lengths, hidden]`, sequences packed end to end.
    public func hiddenStates(_ batch: [[Int]], tokenTypes: [[Int]], threads: Int,
                             workspace: BertWorkspace = BertWorkspace()) throws -> Tensor {
        try withExtendedLifetime(workspace) {
            try forward(batch, tokenTypes: tokenTypes, threads: threads, workspace: workspace, attention: nil)
                .hiddenStates
        }
    }

    /// `hiddenStates` with a chosen attention kernel (nil: the fastest for this head size); tests
    /// compare the kernels.
    func hiddenStates(_ batch: [[Int]], threads: Int, workspace: BertWorkspace,
                      attention: BertAttentionKernel?) throws -> Tensor {
        try withExtendedLifetime(workspace) {
            try forward(batch, tokenTypes: nil, threads: threads, workspace: workspace, attention: attention)
                .hiddenStates
        }
    }

    /// Runs the encoder; the returned pass's activations live in `workspace` until its next use.
    /// - Parameter tokenTypes: per-token type ids, or nil for type 0 everywhere.
    func forward(_ batch: [[Int]], tokenTypes: [[Int]]?, threads: Int, workspace: BertWorkspace,
                 attention: BertAttentionKernel?) throws -> BertForwardPass {
        for (i, ids) in batch.enumerated() {
            guard !ids.isEmpty, ids.count <= config.maxPositions else {
                throw ModelError.invalidInput("sequence \(i) has \(ids.count) tokens; BERT takes 1...\(config.maxPositions)")
            }
            if let bad = ids.first(where: { $0 < 0 || $0 >= config.vocabularySize }) {
                throw ModelError.invalidInput("sequence \(i) has token id \(bad) outside 0..<\(config.vocabularySize)")
            }
        }
        if let tokenTypes { try validate(tokenTypes, for: batch) }
        let run = BertForwardPass(config: config, lengths: batch.map(\.count), threads: threads,
                                  workspace: workspace, attentionKernel: attention)
        run.embedTokens(batch, tokenTypes: tokenTypes?.flatMap { $0 }, model: self)
        for layer in layers { run.apply(layer) }
        return run
    }

    private func validate(_ tokenTypes: [[Int]], for batch: [[Int]]) throws {
        guard tokenTypes.count == batch.count else {
            throw ModelError.invalidInput("\(tokenTypes.count) token type sequences for \(batch.count) sequences")
        }
        for (i, (types, ids)) in zip(tokenTypes, batch).enumerated() {
            guard types.count == ids.count else {
                throw ModelError.invalidInput("sequence \(i) has \(ids.count) tokens but \(types.count) token types")
            }
            if let bad = types.first(where: { $0 < 0 || $0 >= config.tokenTypeCount }) {
                throw ModelError.invalidInput("sequence \(i) has token type \(bad) outside 0..<\(config.tokenTypeCount)")
            }
        }
    }
}
