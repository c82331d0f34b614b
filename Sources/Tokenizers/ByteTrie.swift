/// A trie over the UTF-8 bytes of vocabulary strings, for WordPiece's longest-match-first search
/// without building a `String` per candidate.
struct ByteTrie: Sendable {
    /// The root node.
    static let root: Int32 = 0
    private var edges = PackedTable()   // (node << 8 | byte) → child node
    private var tokenIds: [Int32] = [-1] // [nodes]: id of the token ending at the node, or -1

    /// A trie holding each `(string, id)` pair.
    init<S: Sequence>(_ entries: S) where S.Element == (key: String, value: Int) {
        for (token, id) in entries {
            var node = Self.root
            for byte in token.utf8 {
                let key = UInt64(node) << 8 | UInt64(byte)
                if let child = edges.value(for: key) {
                    node = Int32(truncatingIfNeeded: child)
                } else {
                    let child = Int32(tokenIds.count)
                    tokenIds.append(-1)
                    edges.insertIfAbsent(key, UInt64(child))
                    node = child
                }
            }
            tokenIds[Int(node)] = Int32(truncatingIfNeeded: id)
        }
    }

    /// The node reached from `node` by `bytes`, or nil when no vocabulary string continues that way.
    func node<C: Collection>(from node: Int32, following bytes: C) -> Int32? where C.Element == UInt8 {
        var current = node
        for byte in bytes {
            guard let child = edges.value(for: UInt64(current) << 8 | UInt64(byte)) else { return nil }
            current = Int32(truncatingIfNeeded: child)
        }
        return current
    }

    /// The longest vocabulary string that, appended to the path of `start`, is a prefix of
    /// `bytes[from..<bytes.count]`.
    /// - Returns: the token id and the end offset of the match, or nil when nothing matches.
    func longestMatch(in bytes: [UInt8], from: Int, start: Int32) -> (id: Int32, end: Int)? {
        var node = start
        var best: (id: Int32, end: Int)?
        var i = from
        while i < bytes.count,
              let child = edges.value(for: UInt64(node) << 8 | UInt64(bytes[i])) {
            node = Int32(truncatingIfNeeded: child)
            i += 1
            let id = tokenIds[Int(node)]
            if id >= 0 { best = (id, i) }
        }
        return best
    }
}
