/// A read-mostly hash map from `UInt64` keys to `UInt64` values with open addressing and
/// Fibonacci hashing.
///
/// Used on the tokenizers' hot paths: BPE merges `(left id << 32 | right id) → (rank << 32 | result id)`
/// and trie edges `(node << 8 | byte) → child`. `Dictionary` would hash each probe with SipHash,
/// which costs more than the rest of the merge step.
struct PackedTable: Sendable {
    private static let emptyKey = UInt64.max
    private var keys: [UInt64]   // [capacity], `emptyKey` marks a free slot
    private var values: [UInt64] // [capacity]
    private var shift: UInt64    // 64 - log2(capacity)
    private(set) var count = 0

    /// An empty table sized for about `expectedCount` entries (it grows when needed).
    init(expectedCount: Int = 0) {
        var log2 = 4
        while (1 << log2) < expectedCount * 2 { log2 += 1 }
        keys = Array(repeating: Self.emptyKey, count: 1 << log2)
        values = Array(repeating: 0, count: 1 << log2)
        shift = UInt64(64 - log2)
    }

    private func slot(_ key: UInt64) -> Int {
        Int(truncatingIfNeeded: (key &* 0x9E37_79B9_7F4A_7C15) >> shift)
    }

    /// The value stored for `key`, or nil.
    func value(for key: UInt64) -> UInt64? {
        let mask = keys.count - 1
        var i = slot(key)
        while true {
            let k = keys[i]
            if k == key { return values[i] }
            if k == Self.emptyKey { return nil }
            i = (i + 1) & mask
        }
    }

    /// Stores `value` for `key` unless the key is already present (the first value wins, as
    /// llama.cpp keeps the first rank of a duplicated merge). `key` must not be `UInt64.max`.
    /// - Returns: whether the value was stored.
    @discardableResult
    mutating func insertIfAbsent(_ key: UInt64, _ value: UInt64) -> Bool {
        if (count + 1) * 2 > keys.count { grow() }
        let mask = keys.count - 1
        var i = slot(key)
        while keys[i] != Self.emptyKey {
            if keys[i] == key { return false }
            i = (i + 1) & mask
        }
        keys[i] = key
        values[i] = value
        count += 1
        return true
    }

    private mutating func grow() {
        let oldKeys = keys, oldValues = values
        keys = Array(repeating: Self.emptyKey, count: oldKeys.count * 2)
        values = Array(repeating: 0, count: oldKeys.count * 2)
        shift -= 1
        count = 0
        for (k, v) in zip(oldKeys, oldValues) where k != Self.emptyKey {
            insertIfAbsent(k, v)
        }
    }
}
