/// Text ↔ token ids, as a model sees them.
///
/// Conforming types are immutable values: one instance can serve many threads at once.
public protocol Tokenizer: Sendable {
    /// Number of token ids the model knows (ids are `0..<vocabularySize`).
    var vocabularySize: Int { get }

    /// Token ids for `text`, with the model's usual framing (for BERT `[CLS] … [SEP]`;
    /// for byte-level BPE none: no BOS is added).
    func encode(_ text: String) -> [Int]

    /// Text for `ids`. Ids outside `0..<vocabularySize` are skipped.
    func decode(_ ids: [Int]) -> String
}
