/// An append-only hash map from UTF-8 byte strings to `Int32` values, without a `String` per key.
///
/// Keys live back to back in one byte buffer; lookups hash the bytes (FNV-1a) and probe an
/// open-addressing slot array. Used for the index vocabulary (stem → term id, where the value is
/// the entry number) and for analyzer caches (surface token → term id or "dropped").
struct TermTable: Sendable {
    /// (totalKeyBytes) all keys, concatenated in insertion order.
    private(set) var keyBytes: [UInt8] = []
    /// (count + 1) key `i` is `keyBytes[keyOffsets[i] ..< keyOffsets[i + 1]]`.
    private(set) var keyOffsets: [Int] = [0]
    /// (count) the value stored with each key.
    private(set) var values: [Int32] = []
    /// (capacity, a power of two) high 32 bits: low 32 bits of the key's hash (skips most byte
    /// comparisons); low 32 bits: entry number + 1. 0 marks an empty slot. One load per probe.
    private var slots: [UInt64]

    /// Number of keys stored.
    var count: Int { values.count }

    /// An empty table sized for about `expectedCount` keys.
    init(expectedCount: Int = 16) {
        var capacity = 16
        while capacity < expectedCount * 2 { capacity <<= 1 }
        slots = [UInt64](repeating: 0, count: capacity)
    }

    /// The value stored for `key`, or nil.
    func value(for key: [UInt8]) -> Int32? {
        let hash = Self.hash(key)
        let mask = slots.count - 1
        let tag = hash << 32
        var slot = Int(truncatingIfNeeded: hash) & mask
        while true {
            let word = slots[slot]
            if word == 0 { return nil }
            if word & 0xFFFF_FFFF_0000_0000 == tag {
                let entry = Int(word & 0xFFFF_FFFF) - 1
                if keyEquals(entry, key) { return values[entry] }
            }
            slot = (slot + 1) & mask
        }
    }

    /// Stores `value` for `key` if the key is new; returns the value now stored for `key`.
    @discardableResult
    mutating func insert(_ key: [UInt8], value: Int32) -> Int32 {
        if let existing = self.value(for: key) { return existing }
        if (count + 1) * 2 > slots.count { grow() }
        let entry = count
        keyBytes.append(contentsOf: key)
        keyOffsets.append(keyBytes.count)
        values.append(value)
        place(entry: entry, hash: Self.hash(key))
        return value
    }

    /// The bytes of entry `i`'s key.
    func key(at i: Int) -> ArraySlice<UInt8> { keyBytes[keyOffsets[i] ..< keyOffsets[i + 1]] }

    /// Rebuilds a table from stored parts (the inverse of reading `keyBytes`, `keyOffsets`,
    /// `values`); returns nil when the parts are inconsistent or hold a duplicate key.
    init?(keyBytes: [UInt8], keyOffsets: [Int], values: [Int32]) {
        guard keyOffsets.count == values.count + 1, keyOffsets.first == 0,
              keyOffsets.last == keyBytes.count else { return nil }
        for i in 0 ..< values.count where keyOffsets[i] > keyOffsets[i + 1] { return nil }
        self.init(expectedCount: values.count)
        self.keyBytes = keyBytes
        self.keyOffsets = keyOffsets
        self.values = values
        for entry in 0 ..< values.count {
            let key = Array(self.key(at: entry))
            guard self.value(for: key) == nil else { return nil }
            place(entry: entry, hash: Self.hash(key))
        }
    }

    // MARK: - Internals

    private func keyEquals(_ entry: Int, _ key: [UInt8]) -> Bool {
        let start = keyOffsets[entry], end = keyOffsets[entry + 1]
        guard end - start == key.count else { return false }
        var i = 0
        while i < key.count {
            if keyBytes[start + i] != key[i] { return false }
            i += 1
        }
        return true
    }

    private mutating func place(entry: Int, hash: UInt64) {
        let mask = slots.count - 1
        var slot = Int(truncatingIfNeeded: hash) & mask
        while slots[slot] != 0 { slot = (slot + 1) & mask }
        slots[slot] = hash << 32 | UInt64(entry + 1)
    }

    private mutating func grow() {
        let capacity = slots.count * 2
        slots = [UInt64](repeating: 0, count: capacity)
        for entry in 0 ..< count { place(entry: entry, hash: Self.hash(key(at: entry))) }
    }

    /// FNV-1a (64-bit) with a final avalanche so that the low bits spread well.
    private static func hash<Key: Sequence<UInt8>>(_ key: Key) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in key { h = (h ^ UInt64(byte)) &* 0x0000_0100_0000_01b3 }
        h ^= h >> 33
        h &*= 0xff51_afd7_ed55_8ccd
        h ^= h >> 33
        return h
    }
}
