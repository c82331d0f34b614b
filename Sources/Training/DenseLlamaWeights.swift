import RagTuneModels
import RagTuneTensor

/// A Llama decoder with plain Float32 weights and a tied output head: the frozen base of tests
/// (random tiny models) and of anything small enough to keep unquantized.
public struct DenseLlamaWeights: FrozenLlamaWeights {
    public let config: LlamaConfig
    /// `[vocab, d]`, also the output head.
    public var tokenEmbedding: [Float]
    /// `[layer][projection]`: `[out, in]` row-major.
    public var matrices: [[LlamaProjection: [Float]]]
    /// `[layer]`: `[d]` each.
    public var attentionNorms: [[Float]]
    public var feedForwardNorms: [[Float]]
    /// `[d]`
    public var finalNorm: [Float]

    /// A random model: weights uniform in ±`scale`·√(3/in) (unit-variance outputs for unit
    /// inputs), embeddings uniform in ±1, norm gains in [0.8, 1.2], all drawn from `seed`.
    public init(randomWith config: LlamaConfig, seed: UInt64, scale: Float = 1) {
        var rng = SplitMix64(seed: seed)
        let d = config.embeddingSize
        self.config = config
        tokenEmbedding = rng.floats(config.vocabularySize * d)
        var matrices: [[LlamaProjection: [Float]]] = []
        var attentionNorms: [[Float]] = [], feedForwardNorms: [[Float]] = []
        for _ in 0..<config.layerCount {
            var layer: [LlamaProjection: [Float]] = [:]
            for projection in LlamaProjection.allCases {
                let (rows, columns) = projection.shape(config)
                let bound = scale * (3 / Float(columns)).squareRoot()
                layer[projection] = rng.floats(rows * columns, -bound, bound)
            }
            matrices.append(layer)
            attentionNorms.append(rng.floats(d, 0.8, 1.2))
            feedForwardNorms.append(rng.floats(d, 0.8, 1.2))
        }
        self.matrices = matrices
        self.attentionNorms = attentionNorms
        self.feedForwardNorms = feedForwardNorms
        finalNorm = rng.floats(d, 0.8, 1.2)
    }

    public func embedding(of id: Int, into out: UnsafeMutablePointer<Float>) {
        let d = config.embeddingSize
        tokenEmbedding.withUnsafeBufferPointer { out.update(from: $0.baseAddress! + id * d, count: d) }
    }

    public func attentionNormWeights(layer: Int) -> [Float] { attentionNorms[layer] }
    public func feedForwardNormWeights(layer: Int) -> [Float] { feedForwardNorms[layer] }
    public var finalNormWeights: [Float] { finalNorm }

    public func copyRows(of matrix: FrozenMatrix, _ rows: Range<Int>, into out: UnsafeMutablePointer<Float>) {
        let (source, columns): ([Float], Int)
        switch matrix {
        case .layer(let layer, let projection): (source, columns) = (matrices[layer][projection]!, projection.shape(config).columns)
        case .outputHead: (source, columns) = (tokenEmbedding, config.embeddingSize)
        }
        source.withUnsafeBufferPointer {
            out.update(from: $0.baseAddress! + rows.lowerBound * columns, count: rows.count * columns)
        }
    }
}
