/// The best `k` (document, score) pairs seen so far: higher score first, ties to the lower
/// document index. A binary min-heap whose root is the worst pair kept.
struct TopKHeap {
    let k: Int
    /// (≤ k) heap-ordered by `worse`, root = worst kept.
    private(set) var documents: [Int32] = []
    /// (≤ k) scores parallel to `documents`.
    private(set) var scores: [Float] = []

    init(k: Int) {
        self.k = max(0, k)
        documents.reserveCapacity(self.k)
        scores.reserveCapacity(self.k)
    }

    var isFull: Bool { documents.count >= k }
    /// Score of the worst pair kept (meaningful only when `isFull`).
    var worstScore: Float { scores[0] }

    /// Whether (`document`, `score`) would be kept.
    func accepts(document: Int, score: Float) -> Bool {
        if k == 0 { return false }
        if !isFull { return true }
        return score > scores[0] || (score == scores[0] && Int32(document) < documents[0])
    }

    /// Keeps (`document`, `score`) if it ranks among the best `k`.
    mutating func insert(document: Int, score: Float) {
        guard accepts(document: document, score: score) else { return }
        if !isFull {
            documents.append(Int32(document))
            scores.append(score)
            siftUp(documents.count - 1)
        } else {
            documents[0] = Int32(document)
            scores[0] = score
            siftDown(0)
        }
    }

    /// The kept pairs, best first; empties the heap.
    mutating func drain() -> [ScoredDocument] {
        var out = zip(documents, scores).map { ScoredDocument(index: Int($0.0), score: $0.1) }
        out.sort(by: ScoredDocument.ranksBefore)
        documents.removeAll(keepingCapacity: true)
        scores.removeAll(keepingCapacity: true)
        return out
    }

    /// True when entry `a` ranks below entry `b`.
    private func worse(_ a: Int, _ b: Int) -> Bool {
        scores[a] != scores[b] ? scores[a] < scores[b] : documents[a] > documents[b]
    }

    private mutating func swapEntries(_ a: Int, _ b: Int) {
        documents.swapAt(a, b)
        scores.swapAt(a, b)
    }

    private mutating func siftUp(_ start: Int) {
        var c = start
        while c > 0 {
            let parent = (c - 1) / 2
            guard worse(c, parent) else { return }
            swapEntries(c, parent)
            c = parent
        }
    }

    private mutating func siftDown(_ start: Int) {
        var p = start
        while true {
            let l = 2 * p + 1, r = l + 1
            var m = p
            if l < documents.count && worse(l, m) { m = l }
            if r < documents.count && worse(r, m) { m = r }
            if m == p { return }
            swapEntries(p, m)
            p = m
        }
    }
}
