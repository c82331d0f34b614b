import Foundation
import RagTuneTensor
import RagTuneTokenizers

/// A BERT cross-encoder: scores how relevant a passage is to a query by reading both together,
/// `[CLS] query [SEP] passage [SEP]` → `BertSequenceClassifier` → one relevance score per pair.
///
/// Loads a Hugging Face / sentence-transformers cross-encoder folder (`config.json`,
/// `tokenizer.json`, `model.safetensors`, e.g. cross-encoder/ms-marco-MiniLM-L-6-v2 saved as safetensors).
/// The relevance score (`relevance(logits:)`) is:
/// - 1 label: the raw logit (sentence-transformers applies a sigmoid on top, which keeps the order);
/// - 2 or more labels: the softmax probability of the last label (label 1, "relevant", for binary heads).
public struct CrossEncoder: Sendable {
    /// Pair tokenizer; `maxLength` ids per pair, longest-first truncation.
    public let tokenizer: WordPieceTokenizer
    public let classifier: BertSequenceClassifier
    /// Pairs per forward pass.
    public var batchSize: Int
    /// Worker threads for tokenizing and for one forward pass.
    public var threads: Int

    /// Loads a cross-encoder folder.
    /// - Parameters:
    ///   - directory: holds `config.json` (BERT sizes; `num_labels` or `id2label`, default 1 label),
    ///     `tokenizer.json` (WordPiece) and `model.safetensors` (with `classifier.weight`/`classifier.bias`).
    ///   - maxLength: most tokens per pair, `[CLS]`/`[SEP]` included (default: 512, capped by the
    ///     model's `max_position_embeddings`).
    /// - Throws: `ModelError` naming the file: unreadable or invalid config, `classifier.weight`
    ///   missing (the folder holds a bare encoder, not a cross-encoder), other missing or
    ///   wrong-shaped tensors; `TokenizerError` for an unusable `tokenizer.json`.
    public init(directory: URL, maxLength: Int? = nil, batchSize: Int = 16, threads: Int = 2) throws {
        let configURL = directory.appendingPathComponent("config.json")
        let config = try BertConfig(contentsOf: configURL)
        let labels = try Self.labelCount(configJSON: configURL)
        classifier = try BertSequenceClassifier(config: config, labelCount: labels,
                                                weights: directory.appendingPathComponent("model.safetensors"))
        tokenizer = try WordPieceTokenizer(tokenizerJSON: directory.appendingPathComponent("tokenizer.json"),
                                           maxLength: min(maxLength ?? 512, config.maxPositions))
        self.batchSize = batchSize
        self.threads = threads
    }

    /// Token ids and token type ids of each (query, passage) pair, tokenized on `threads` workers.
    /// - Returns: `[pairs.count]`, each `[CLS] query [SEP] passage [SEP]` with types `0…0 1…1`.
    public func encode(_ pairs: [(query: String, passage: String)]) -> [(ids: [Int], tokenTypeIds: [Int])] {
        var result = [(ids: [Int], tokenTypeIds: [Int])](repeating: ([], []), count: pairs.count)
        result.withUnsafeMutableBufferPointer { out in
            Parallel.forRanges(count: pairs.count, threads: threads, minimumPerThread: 4) { range in
                for i in range { out[i] = tokenizer.encodePair(pairs[i].query, pairs[i].passage) }
            }
        }
        return result
    }

    /// Classifier logits of each pair. Pairs are sorted by length before batching, so each packed
    /// batch holds similar lengths; results come back in input order.
    /// - Returns: `[pairs.count][labelCount]`
    public func logits(_ pairs: [(query: String, passage: String)]) throws -> [[Float]] {
        try logits(encoded: encode(pairs))
    }

    /// Logits of already tokenized pairs. - Returns: `[encoded.count][labelCount]`
    public func logits(encoded: [(ids: [Int], tokenTypeIds: [Int])]) throws -> [[Float]] {
        let order = encoded.indices.sorted { encoded[$0].ids.count > encoded[$1].ids.count }
        var result = [[Float]](repeating: [], count: encoded.count)
        let workspace = BertWorkspace(), step = max(1, batchSize)
        for start in stride(from: 0, to: order.count, by: step) {
            let slice = order[start..<min(start + step, order.count)]
            let batch = try classifier.logits(slice.map { encoded[$0].ids }, tokenTypes: slice.map { encoded[$0].tokenTypeIds },
                                              threads: threads, workspace: workspace)
            for (index, row) in zip(slice, batch) { result[index] = row }
        }
        return result
    }

    /// Relevance of each passage to `query`; higher is more relevant. - Returns: `[passages.count]`
    public func scores(query: String, passages: [String]) throws -> [Float] {
        try logits(passages.map { (query, $0) }).map(Self.relevance(logits:))
    }

    /// The relevance score of one pair's logits: the logit itself for one label, else the softmax
    /// probability of the last label.
    public static func relevance(logits: [Float]) -> Float {
        guard logits.count > 1, let top = logits.max() else { return logits.first ?? 0 }
        let total = logits.reduce(0) { $0 + exp($1 - top) }
        return exp(logits[logits.count - 1] - top) / total
    }

    /// `num_labels` from `config.json`, else the number of `id2label` entries, else 1.
    /// - Throws: `ModelError.invalidConfig` for a count below 1 or a non-object file.
    public static func labelCount(configJSON url: URL) throws -> Int {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw ModelError.unreadable(file: url.path, reason: error.localizedDescription)
        }
        guard let json = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw ModelError.invalidConfig(file: url.path, reason: "not a JSON object")
        }
        let count = (json["num_labels"] as? Int) ?? (json["id2label"] as? [String: Any])?.count ?? 1
        guard count >= 1 else {
            throw ModelError.invalidConfig(file: url.path, reason: "num_labels is \(count); a cross-encoder needs at least 1")
        }
        return count
    }
}
