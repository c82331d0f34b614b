import Foundation
import RagTuneTensor

/// Hugging Face `BertForSequenceClassification`: BERT → pooler (`tanh(W·h[CLS] + b)`) → classifier
/// (`W·pooled + b`), one row of logits per sequence. Dropout is inference-off, as in `eval()` mode.
///
/// Checkpoint names: `classifier.{weight,bias}` and the encoder with its pooler either under `bert.`
/// (`bert.embeddings.…`, `bert.pooler.dense.…`, as `transformers` and sentence-transformers'
/// cross-encoders such as ms-marco-MiniLM-L-6-v2 save them) or un-prefixed (`embeddings.…`, `pooler.dense.…`).
public struct BertSequenceClassifier: Sendable {
    /// The BERT encoder.
    public let encoder: BertModel
    /// Logits per sequence (`num_labels`).
    public let labelCount: Int
    let poolerWeight: [Float]     // [hidden, hidden]
    let poolerBias: [Float]       // [hidden]
    let classifierWeight: [Float] // [labels, hidden]
    let classifierBias: [Float]   // [labels]

    /// The encoder's name prefix in a checkpoint with these tensor names: `"bert."` when
    /// `bert.embeddings.word_embeddings.weight` is present, else `""`.
    static func encoderPrefix(_ weights: SafetensorsWeights) -> String {
        weights.prefixed("bert.").contains("embeddings.word_embeddings.weight") ? "bert." : ""
    }

    /// Loads a `BertForSequenceClassification` checkpoint, checking every name and shape.
    /// - Parameters:
    ///   - config: the encoder's hyper-parameters (`config.json`).
    ///   - labelCount: rows of `classifier.weight` (`num_labels`).
    ///   - url: the safetensors file.
    /// - Throws: `ModelError.missingTensor` naming the file and `classifier.weight` when the file has no
    ///   classifier head (a bare encoder); `.missingTensor`/`.wrongShape` for any other tensor.
    public init(config: BertConfig, labelCount: Int, weights url: URL) throws {
        let file = try SafetensorsWeights(url: url)
        guard labelCount >= 1 else {
            throw ModelError.invalidInput("a sequence classifier needs at least 1 label, got \(labelCount)")
        }
        guard file.contains("classifier.weight") else {
            throw ModelError.missingTensor(file: url.path, name: "classifier.weight")
        }
        let h = config.hiddenSize
        classifierWeight = try file.tensor("classifier.weight", [labelCount, h])
        classifierBias = try file.tensor("classifier.bias", [labelCount])
        let bert = file.prefixed(Self.encoderPrefix(file))
        poolerWeight = try bert.tensor("pooler.dense.weight", [h, h])
        poolerBias = try bert.tensor("pooler.dense.bias", [h])
        encoder = try BertModel(config: config, weights: bert)
        self.labelCount = labelCount
    }

    /// Classifier logits of each sequence.
    /// - Parameters:
    ///   - batch: token ids per sequence (`[CLS] a [SEP] b [SEP]`), each 1...maxPositions long.
    ///   - tokenTypes: type ids per token (0 for `[CLS] a [SEP]`, 1 for `b [SEP]`).
    ///   - threads: worker threads.
    ///   - workspace: scratch memory to reuse across calls.
    /// - Returns: `[batch.count][labelCount]`
    public func logits(_ batch: [[Int]], tokenTypes: [[Int]], threads: Int,
                       workspace: BertWorkspace = BertWorkspace()) throws -> [[Float]] {
        try pooledAndLogits(batch, tokenTypes: tokenTypes, threads: threads, workspace: workspace).logits
    }

    /// The pooler output (`tanh(W·h[CLS] + b)`) and the logits of each sequence.
    /// - Returns: pooled `[batch.count][hidden]`, logits `[batch.count][labelCount]`
    public func pooledAndLogits(_ batch: [[Int]], tokenTypes: [[Int]], threads: Int,
                                workspace: BertWorkspace = BertWorkspace()) throws
        -> (pooled: [[Float]], logits: [[Float]]) {
        try withExtendedLifetime(workspace) {
            let run = try encoder.forward(batch, tokenTypes: tokenTypes, threads: threads, workspace: workspace,
                                          attention: nil)
            let h = encoder.config.hiddenSize
            let pooled = run.starts.map { start in
                Self.affine(run.x + start * h, weight: poolerWeight, bias: poolerBias, inputs: h).map(tanh)
            }
            let logits = pooled.map { row in
                row.withUnsafeBufferPointer {
                    Self.affine($0.baseAddress!, weight: classifierWeight, bias: classifierBias, inputs: h)
                }
            }
            return (pooled, logits)
        }
    }

    /// y[out] = weight[out, inputs] · x[inputs] + bias[out]
    private static func affine(_ x: UnsafePointer<Float>, weight: [Float], bias: [Float], inputs: Int) -> [Float] {
        weight.withUnsafeBufferPointer { w in
            bias.indices.map { o in Kernels.dot(w.baseAddress! + o * inputs, x, count: inputs) + bias[o] }
        }
    }
}
