import RagTuneModels
import RagTuneTensor

/// A frozen weight matrix of a Llama decoder, `[out, in]`.
public enum FrozenMatrix: Hashable, Sendable {
    case layer(Int, LlamaProjection)
    /// `[vocab, d]`; the token embedding when the head is tied.
    case outputHead
}

/// Read access to the frozen base weights of a Llama decoder, whatever their storage: a
/// quantized GGUF (`LlamaModel`, dequantized on demand) or plain Float32 (`DenseLlamaWeights`).
/// `LoRAModel` reads matrices a block of rows at a time into its own reusable scratch, so memory
/// stays near the stored size.
public protocol FrozenLlamaWeights: Sendable {
    var config: LlamaConfig { get }
    /// Writes the embedding of token `id` into `out` (`[d]`).
    func embedding(of id: Int, into out: UnsafeMutablePointer<Float>)
    /// RMSNorm gain before layer `layer`'s attention. - Returns: `[d]`
    func attentionNormWeights(layer: Int) -> [Float]
    /// RMSNorm gain before layer `layer`'s MLP. - Returns: `[d]`
    func feedForwardNormWeights(layer: Int) -> [Float]
    /// RMSNorm gain after the last layer. - Returns: `[d]`
    var finalNormWeights: [Float] { get }
    /// Writes rows `rows` of `matrix` as Float32 into `out` (`[rows.count, in]`, row-major).
    /// Called concurrently for disjoint row ranges.
    func copyRows(of matrix: FrozenMatrix, _ rows: Range<Int>, into out: UnsafeMutablePointer<Float>)
}

extension FrozenLlamaWeights {
    /// `[rows, columns]` of `matrix`.
    func shape(of matrix: FrozenMatrix) -> (rows: Int, columns: Int) {
        switch matrix {
        case .layer(_, let projection): return projection.shape(config)
        case .outputHead: return (config.vocabularySize, config.embeddingSize)
        }
    }

    /// Rows `rows` of `matrix` into `out`, split over `threads`.
    func load(_ matrix: FrozenMatrix, rows: Range<Int>, into out: UnsafeMutablePointer<Float>, threads: Int) {
        let columns = shape(of: matrix).columns
        Parallel.forRanges(count: rows.count, threads: threads, minimumPerThread: 64) { part in
            copyRows(of: matrix, (rows.lowerBound + part.lowerBound)..<(rows.lowerBound + part.upperBound),
                     into: out + part.lowerBound * columns)
        }
    }
}

/// The quantized GGUF model as a frozen base: every read dequantizes from the mapped file.
extension LlamaModel: FrozenLlamaWeights {
    public func embedding(of id: Int, into out: UnsafeMutablePointer<Float>) {
        tokenEmbeddingMatrix.dequantize(rows: id..<(id + 1), into: out)
    }

    public func copyRows(of matrix: FrozenMatrix, _ rows: Range<Int>, into out: UnsafeMutablePointer<Float>) {
        switch matrix {
        case .layer(let layer, let projection): self.matrix(projection, layer: layer).dequantize(rows: rows, into: out)
        case .outputHead: outputHeadMatrix.dequantize(rows: rows, into: out)
        }
    }
}
