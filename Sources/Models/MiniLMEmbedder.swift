import Foundation
import RagTuneTensor
import RagTuneTokenizers

/// all-MiniLM-L6-v2 sentence embeddings: WordPiece (truncated to 256 tokens, as
/// sentence-transformers) → BERT → mean pooling → L2 normalization.
/// Retrieval, ingest and RAG take its `embed` method as a `([String]) throws -> [[Float]]` closure,
/// so they depend on no model (tests pass keyword embeddings).
public struct MiniLMEmbedder: Sendable {
    public let tokenizer: WordPieceTokenizer
    public let model: BertModel
    /// Sequences per forward pass.
    public var batchSize: Int
    /// Worker threads for one forward pass.
    public var threads: Int

    public var dimension: Int { model.config.hiddenSize }

    /// Loads the installed model (`ragtune models install minilm`).
    public init(directory: ModelDirectory = ModelDirectory(), batchSize: Int = 32, threads: Int = 2) throws {
        let spec = ModelCatalog.minilm
        let config = try BertConfig(contentsOf: directory.file("config.json", of: spec))
        let maxLength = Self.maxSequenceLength(directory.folder(for: spec), limit: config.maxPositions)
        tokenizer = try WordPieceTokenizer(tokenizerJSON: directory.file("tokenizer.json", of: spec),
                                           maxLength: maxLength)
        model = try BertModel(config: config, weights: directory.file(spec.weightsFile, of: spec))
        self.batchSize = batchSize
        self.threads = threads
    }

    /// One L2-normalized vector per text, in input order. - Returns: `[texts.count][dimension]`
    public func embed(_ texts: [String]) throws -> [[Float]] {
        try embed(tokenized: tokenize(texts))
    }

    /// Token ids of every text (`[CLS] … [SEP]`, at most `tokenizer.maxLength`), tokenized on
    /// `threads` workers. - Returns: `[texts.count][length]`
    public func tokenize(_ texts: [String]) -> [[Int]] {
        var result = [[Int]](repeating: [], count: texts.count)
        result.withUnsafeMutableBufferPointer { out in
            Parallel.forRanges(count: texts.count, threads: threads, minimumPerThread: 8) { range in
                for i in range { out[i] = tokenizer.encode(texts[i]) }
            }
        }
        return result
    }

    /// Embeds pre-tokenized inputs. Sequences are sorted by length before batching, so each
    /// packed batch holds similar lengths, then results are put back in input order.
    public func embed(tokenized: [[Int]]) throws -> [[Float]] {
        let order = tokenized.indices.sorted { tokenized[$0].count > tokenized[$1].count }
        var result = [[Float]](repeating: [], count: tokenized.count)
        let workspace = BertWorkspace()
        for start in stride(from: 0, to: order.count, by: max(1, batchSize)) {
            let slice = order[start..<min(start + max(1, batchSize), order.count)]
            let vectors = try model.embed(slice.map { tokenized[$0] }, threads: threads, workspace: workspace)
            for (index, vector) in zip(slice, vectors) { result[index] = vector }
        }
        return result
    }

    /// `max_seq_length` from `sentence_bert_config.json` (256 for MiniLM), capped by the model.
    static func maxSequenceLength(_ folder: URL, limit: Int) -> Int {
        let url = folder.appendingPathComponent("sentence_bert_config.json")
        guard let data = try? Data(contentsOf: url),
              let json = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
              let value = json["max_seq_length"] as? Int, value > 2 else { return min(256, limit) }
        return min(value, limit)
    }
}
