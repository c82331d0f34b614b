/// Per-call buffers of `BPETokenizer.encode`, reused from piece to piece.
struct BPESession {
    var symbols: [Int32] = []  // [symbols] current symbol ids of the piece; -1 once merged away
    var pairs: [UInt64] = []   // [symbols - 1] merge of symbols i, i+1 as (rank << 32 | result), or .max
    var next: [Int32] = []     // [symbols] linked list for long pieces, -1 at the end
    var previous: [Int32] = [] // [symbols]
    var heap: [UInt64] = []    // min-heap of (rank << 32 | left position)
    var cache = BPEWordCache()
    /// Whether to use `cache`: worth it only for texts long enough to repeat words.
    var cachesPieces = false
}

extension BPETokenizer {
    /// Pieces up to this many bytes merge by rescanning an array (O(n²) with tiny constants);
    /// longer ones use a heap over a linked list (O(n log n)).
    static let scanLimit = 32

    /// Merges one pre-tokenized piece and appends its ids.
    /// - Parameter scanLimit: longest piece merged by scanning (tests vary it to compare both paths).
    func appendMerged(_ piece: UnsafeBufferPointer<UInt8>, to ids: inout [Int], session: inout BPESession,
                      scanLimit: Int = Self.scanLimit) {
        if piece.count == 1 {
            appendSymbol(byteSymbols[Int(piece[0])], to: &ids)
            return
        }
        let first = ids.count
        if session.cachesPieces {
            if session.cache.appendIds(of: piece, to: &ids) { return }
        }
        defer { if session.cachesPieces { session.cache.store(piece, ids[first...]) } }
        session.symbols.removeAll(keepingCapacity: true)
        for byte in piece { session.symbols.append(byteSymbols[Int(byte)]) }
        if piece.count <= scanLimit {
            mergeByScanning(&session)
            for symbol in session.symbols { appendSymbol(symbol, to: &ids) }
        } else {
            mergeWithHeap(&session)
            var i = 0
            while i >= 0 {
                appendSymbol(session.symbols[i], to: &ids)
                i = Int(session.next[i])
            }
        }
    }

    /// The merge of two adjacent symbols as (rank << 32 | result), or `.max` when none applies.
    private func merge(_ left: Int32, _ right: Int32) -> UInt64 {
        merges.value(for: UInt64(UInt32(bitPattern: left)) << 32 | UInt64(UInt32(bitPattern: right))) ?? .max
    }

    /// A final symbol's id; a merge result missing from the vocabulary falls back to its bytes
    /// (llama.cpp does the same).
    private func appendSymbol(_ symbol: Int32, to ids: inout [Int]) {
        if Int(symbol) < tokens.count {
            ids.append(Int(symbol))
            return
        }
        for byte in extraSymbolBytes[Int(symbol) - tokens.count] {
            let id = Int(byteSymbols[Int(byte)])
            if id < tokens.count { ids.append(id) }
        }
    }

    /// Repeatedly merges the lowest-ranked adjacent pair, leftmost first.
    private func mergeByScanning(_ s: inout BPESession) {
        var count = s.symbols.count
        s.pairs.removeAll(keepingCapacity: true)
        for i in 0..<(count - 1) { s.pairs.append(merge(s.symbols[i], s.symbols[i + 1])) }
        while count > 1 {
            var best = UInt64.max, at = -1
            for i in 0..<(count - 1) where s.pairs[i] < best {
                best = s.pairs[i]
                at = i
            }
            if at < 0 { break }
            s.symbols[at] = Int32(truncatingIfNeeded: best & 0xFFFF_FFFF)
            s.symbols.remove(at: at + 1)
            s.pairs.remove(at: at)
            count -= 1
            if at > 0 { s.pairs[at - 1] = merge(s.symbols[at - 1], s.symbols[at]) }
            if at < count - 1 { s.pairs[at] = merge(s.symbols[at], s.symbols[at + 1]) }
        }
    }

    /// The same merges with a heap of candidate pairs over a linked list of symbols
    /// (as llama.cpp's `llm_tokenizer_bpe_session`). Stale heap entries are skipped when popped.
    private func mergeWithHeap(_ s: inout BPESession) {
        let count = s.symbols.count
        s.next = (0..<count).map { Int32($0 + 1) }
        s.next[count - 1] = -1
        s.previous = (0..<count).map { Int32($0 - 1) }
        s.heap.removeAll(keepingCapacity: true)
        for i in 0..<(count - 1) {
            let candidate = merge(s.symbols[i], s.symbols[i + 1])
            if candidate != .max { Self.push(candidate & 0xFFFF_FFFF_0000_0000 | UInt64(i), &s.heap) }
        }
        while let top = Self.pop(&s.heap) {
            let position = Int(top & 0xFFFF_FFFF)
            let right = Int(s.next[position])
            guard s.symbols[position] >= 0, right >= 0 else { continue }
            let candidate = merge(s.symbols[position], s.symbols[right])
            guard candidate >> 32 == top >> 32 else { continue }
            s.symbols[position] = Int32(truncatingIfNeeded: candidate & 0xFFFF_FFFF)
            s.symbols[right] = -1
            let after = Int(s.next[right])
            s.next[position] = Int32(after)
            if after >= 0 { s.previous[after] = Int32(position) }
            let before = Int(s.previous[position])
            if before >= 0 {
                let left = merge(s.symbols[before], s.symbols[position])
                if left != .max { Self.push(left & 0xFFFF_FFFF_0000_0000 | UInt64(before), &s.heap) }
            }
            if after >= 0 {
                let next = merge(s.symbols[position], s.symbols[after])
                if next != .max { Self.push(next & 0xFFFF_FFFF_0000_0000 | UInt64(position), &s.heap) }
            }
        }
    }

    private static func push(_ value: UInt64, _ heap: inout [UInt64]) {
        heap.append(value)
        var child = heap.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            if heap[parent] <= heap[child] { break }
            heap.swapAt(parent, child)
            child = parent
        }
    }

    private static func pop(_ heap: inout [UInt64]) -> UInt64? {
        guard let top = heap.first else { return nil }
        let last = heap.removeLast()
        if heap.isEmpty { return top }
        heap[0] = last
        var parent = 0
        while true {
            let left = 2 * parent + 1, right = left + 1
            var smallest = parent
            if left < heap.count && heap[left] < heap[smallest] { smallest = left }
            if right < heap.count && heap[right] < heap[smallest] { smallest = right }
            if smallest == parent { return top }
            heap.swapAt(parent, smallest)
            parent = smallest
        }
    }

    /// The ids of one piece, merged by scanning when it has at most `scanLimit` bytes and with
    /// the heap otherwise (for tests).
    func mergedIds(of piece: [UInt8], scanLimit: Int) -> [Int] {
        var ids = [Int](), session = BPESession()
        piece.withUnsafeBufferPointer { appendMerged($0, to: &ids, session: &session, scanLimit: scanLimit) }
        return ids
    }
}
