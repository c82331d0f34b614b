/// One sequence's cached positions: its token ids and, per layer, their keys and values. A
/// `LlamaSession` has one of its own and can run several more in one forward pass
/// (`LlamaSession.evaluate(batch:)`), each attending only to its own cache. Memory grows
/// in blocks of 256 positions (46 KB per position for SmolLM2-135M) and is kept for reuse until
/// the sequence is released.
public final class LlamaSequence {
    /// Tokens in the cache, position 0 first.
    public internal(set) var tokens: [Int] = []
    var cache: LlamaKVCache

    init(config: LlamaConfig) {
        cache = LlamaKVCache(layers: config.layerCount, heads: config.kvHeadCount, headSize: config.headSize)
    }

    deinit { cache.free() }

    /// Positions the cache has room for before it grows.
    public var capacity: Int { cache.capacity }

    /// Forgets the sequence (the cache memory is kept for reuse).
    public func reset() {
        tokens.removeAll(keepingCapacity: true)
    }

    /// Drops cached positions from `count` on (e.g. to branch from a shared prompt prefix).
    public func truncate(to count: Int) {
        if count < tokens.count { tokens.removeLast(tokens.count - count) }
    }

    /// Replaces this sequence's cache with `other`'s first `count` positions (a shared prompt prefix,
    /// copied instead of computed again).
    public func copyPrefix(from other: LlamaSequence, count: Int) {
        precondition(count <= other.tokens.count, "copying \(count) of \(other.tokens.count) cached positions")
        cache.reserve(positions: count)
        cache.copyPrefix(from: other.cache, count: count)
        tokens = Array(other.tokens.prefix(count))
    }

    /// How many leading cached tokens `ids` starts with.
    public func sharedPrefixLength(with ids: [Int]) -> Int {
        zip(tokens, ids).prefix { $0 == $1 }.count
    }

    /// Keeps the longest cached prefix that `ids` starts with, but at least one token short of
    /// `ids` (it must run to give its logits). - Returns: the ids still to evaluate.
    public func reuse(prefixOf ids: [Int]) -> ArraySlice<Int> {
        let shared = min(sharedPrefixLength(with: ids), max(ids.count - 1, 0))
        truncate(to: shared)
        return ids[shared...]
    }
}
