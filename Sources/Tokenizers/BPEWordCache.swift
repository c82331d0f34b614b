/// Ids of pieces already merged during one `encode` call, so a repeated word is merged once.
/// It lives for one call only, which keeps the tokenizer immutable and `Sendable`.
struct BPEWordCache {
    /// Most pieces remembered; later new pieces are merged without being stored.
    static let capacity = 1 << 16

    private var index = PackedTable()                    // FNV-1a hash of the piece's bytes → entry
    private var keyBytes: [UInt8] = []                   // bytes of every stored piece, back to back
    private var keyEnds: [Int32] = []                    // [entries] end of each piece in `keyBytes`
    private var ids: [Int32] = []                        // ids of every stored piece, back to back
    private var idEnds: [Int32] = []                     // [entries] end of each piece's ids in `ids`

    /// Appends the cached ids of `piece` to `out` and returns true, or returns false when unknown.
    func appendIds(of piece: UnsafeBufferPointer<UInt8>, to out: inout [Int]) -> Bool {
        guard let entry = index.value(for: Self.hash(piece)).map(Int.init) else { return false }
        let keyStart = entry == 0 ? 0 : Int(keyEnds[entry - 1])
        guard Int(keyEnds[entry]) - keyStart == piece.count else { return false }
        for i in 0..<piece.count where keyBytes[keyStart + i] != piece[i] { return false }
        let idStart = entry == 0 ? 0 : Int(idEnds[entry - 1])
        for i in idStart..<Int(idEnds[entry]) { out.append(Int(ids[i])) }
        return true
    }

    /// Remembers that `piece` encodes to `pieceIds`.
    mutating func store(_ piece: UnsafeBufferPointer<UInt8>, _ pieceIds: ArraySlice<Int>) {
        guard keyEnds.count < Self.capacity,
              index.insertIfAbsent(Self.hash(piece), UInt64(keyEnds.count)) else { return }
        keyBytes.append(contentsOf: piece)
        keyEnds.append(Int32(keyBytes.count))
        for id in pieceIds { ids.append(Int32(id)) }
        idEnds.append(Int32(ids.count))
    }

    /// 64-bit FNV-1a, kept clear of `PackedTable`'s reserved key.
    private static func hash(_ bytes: UnsafeBufferPointer<UInt8>) -> UInt64 {
        var h: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte in bytes { h = (h ^ UInt64(byte)) &* 0x0000_0100_0000_01B3 }
        return h == .max ? h - 1 : h
    }
}
