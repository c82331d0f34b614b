extension LlamaSession {
    /// A cached prompt is kept aside, rather than cut back, when a new prompt shares fewer than this
    /// many of its leading tokens: the new prompt is of another kind (other instructions), and the
    /// old one's prefix is worth keeping for the next prompt of its kind.
    static let keptPrefixMinimum = 64

    /// Makes the own sequence the cache that shares the longest prefix with `ids` and cuts it back
    /// to that prefix (`LlamaSequence.reuse(prefixOf:)`). - Returns: the ids still to evaluate.
    ///
    /// Several kinds of prompts take turns on one session: a RAG answer's prompt with its
    /// demonstrations, the reader's prompt, a closed-book prompt. Each starts with its own fixed
    /// instructions, so one cache would run each kind's prefix again at every switch. Here, when the
    /// own sequence shares fewer than `keptPrefixMinimum` tokens with `ids`, it is kept (up to
    /// `keptPrompts`, the least recently used dropped first) and `ids` runs in another sequence:
    /// the kept one sharing the most with `ids`, or an empty one. No positions are copied.
    public func continueLongestPrefix(of ids: [Int]) -> ArraySlice<Int> {
        let shared = sequence.sharedPrefixLength(with: ids)
        let keptShared = keptSequences.map { $0.sharedPrefixLength(with: ids) }
        if let best = keptShared.indices.max(by: { keptShared[$0] < keptShared[$1] }), keptShared[best] > shared {
            let chosen = keptSequences.remove(at: best)
            keep(exchanging: chosen)
        } else if keptPrompts > 0, shared < Self.keptPrefixMinimum, sequence.tokens.count >= Self.keptPrefixMinimum {
            let spare = keptSequences.count >= keptPrompts ? keptSequences.removeFirst() : makeSequence()
            spare.reset()
            keep(exchanging: spare)
        }
        return sequence.reuse(prefixOf: ids)
    }

    /// Makes `other` the own sequence, keeping the previous one if it holds a prefix worth keeping.
    private func keep(exchanging other: LlamaSequence) {
        let previous = sequence
        sequence = other
        if previous.tokens.count >= Self.keptPrefixMinimum { keptSequences.append(previous) }
        if keptSequences.count > keptPrompts { keptSequences.removeFirst(keptSequences.count - keptPrompts) }
    }
}
