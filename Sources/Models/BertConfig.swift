import Foundation

/// BERT hyper-parameters, read from a Hugging Face `config.json` (keys mapped by `CodingKeys`).
public struct BertConfig: Sendable, Codable, Equatable {
    public var vocabularySize: Int
    public var hiddenSize: Int
    public var layerCount: Int
    public var headCount: Int
    public var intermediateSize: Int
    public var maxPositions: Int
    public var tokenTypeCount: Int
    public var layerNormEpsilon: Float

    enum CodingKeys: String, CodingKey {
        case vocabularySize = "vocab_size"
        case hiddenSize = "hidden_size"
        case layerCount = "num_hidden_layers"
        case headCount = "num_attention_heads"
        case intermediateSize = "intermediate_size"
        case maxPositions = "max_position_embeddings"
        case tokenTypeCount = "type_vocab_size"
        case layerNormEpsilon = "layer_norm_eps"
    }

    /// all-MiniLM-L6-v2: 6 layers, 384 hidden, 12 heads of 32, FFN 1536.
    public static let miniLM = BertConfig(vocabularySize: 30522, hiddenSize: 384, layerCount: 6, headCount: 12,
                                          intermediateSize: 1536, maxPositions: 512, tokenTypeCount: 2,
                                          layerNormEpsilon: 1e-12)

    public init(vocabularySize: Int, hiddenSize: Int, layerCount: Int, headCount: Int, intermediateSize: Int,
                maxPositions: Int, tokenTypeCount: Int, layerNormEpsilon: Float) {
        self.vocabularySize = vocabularySize
        self.hiddenSize = hiddenSize
        self.layerCount = layerCount
        self.headCount = headCount
        self.intermediateSize = intermediateSize
        self.maxPositions = maxPositions
        self.tokenTypeCount = tokenTypeCount
        self.layerNormEpsilon = layerNormEpsilon
    }

    /// Reads and validates `config.json`.
    public init(contentsOf url: URL) throws {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw ModelError.unreadable(file: url.path, reason: "\(error.localizedDescription)")
        }
        do { self = try JSONDecoder().decode(BertConfig.self, from: data) } catch {
            throw ModelError.invalidConfig(file: url.path, reason: "\(error)")
        }
        guard hiddenSize > 0, headCount > 0, hiddenSize % headCount == 0, layerCount > 0,
              intermediateSize > 0, maxPositions > 0, vocabularySize > 0, tokenTypeCount > 0 else {
            throw ModelError.invalidConfig(file: url.path,
                                           reason: "hidden_size \(hiddenSize) must be a positive multiple of num_attention_heads \(headCount), and all sizes positive")
        }
        guard headSize % 16 == 0 else {
            throw ModelError.invalidConfig(file: url.path, reason: "head size \(headSize) (hidden_size / num_attention_heads) is "
                                           + "not a multiple of 16, which RagTune's attention kernel needs")
        }
    }

    /// Size of one attention head.
    public var headSize: Int { hiddenSize / headCount }

    /// Multiply-add FLOPs of one forward pass over `tokens` tokens, matmuls only (QKV, scores,
    /// context, output projection, FFN): ≈2.87 GFLOP for MiniLM on 128 tokens.
    public func forwardFLOPs(tokens: Int) -> Double {
        let l = Double(tokens), h = Double(hiddenSize), i = Double(intermediateSize)
        let perLayer = 2 * l * h * 3 * h + 2 * 2 * l * l * h + 2 * l * h * h + 2 * 2 * l * h * i
        return perLayer * Double(layerCount)
    }
}
