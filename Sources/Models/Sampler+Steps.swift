import Foundation
import RagTuneTensor

/// One candidate token: its id and current (possibly penalized) logit. 8 bytes.
struct Candidate: Sendable {
    var id: Int32
    var logit: Float
}

/// The candidate list the sampler steps filter in place, like llama.cpp's `llama_token_data_array`:
/// `items[0..<count]` are the live candidates; `sorted` says they are in descending logit order
/// (ties: lower id first). `items` keeps its [vocab] capacity between calls.
struct CandidateList: Sendable {
    var items: [Candidate] = []
    var count = 0
    var sorted = false
    /// [bucketCount] scratch of `keepTopP`: probability mass per logit bucket.
    var bucketMass: [Double] = []
    static let bucketCount = 128

    /// Whether `a` ranks before `b`: higher logit, ties to the lower id.
    static func ranksBefore(_ a: Candidate, _ b: Candidate) -> Bool {
        a.logit > b.logit || (a.logit == b.logit && a.id < b.id)
    }

    /// Makes every token a candidate, in id order. - Parameter logits: [vocab]
    mutating func load(_ logits: UnsafeBufferPointer<Float>) {
        let n = logits.count
        if items.count < n {
            items = [Candidate](repeating: Candidate(id: 0, logit: 0), count: n)
        }
        for i in 0..<n { items[i] = Candidate(id: Int32(truncatingIfNeeded: i), logit: logits[i]) }
        count = n
        sorted = false
    }

    /// llama.cpp `llama_sampler_penalties_apply`: for a token seen `c > 0` times in the window,
    /// `logit = logit <= 0 ? logit * repetition : logit / repetition`, then
    /// `logit -= c * frequency + presence`. Must run right after `load` (items in id order).
    mutating func penalize(counts: [Int: Int], repetition: Float, frequency: Float, presence: Float) {
        for (token, c) in counts where token >= 0 && token < count && c > 0 {
            var logit = items[token].logit
            logit = logit <= 0 ? logit * repetition : logit / repetition
            logit -= Float(c) * frequency + presence
            items[token].logit = logit
        }
    }

    /// llama.cpp top-k: keeps the `k` best candidates, sorted; `k <= 0` or `k >= count` keeps all.
    /// O(n log k) partial selection, not a full sort.
    mutating func keepTopK(_ k: Int) {
        guard k > 0, k < count else { return }
        if !sorted { moveBestToFront(k) }
        count = k
        sorted = true
    }

    /// llama.cpp top-p: keeps the shortest run of best candidates whose softmax probabilities
    /// sum to at least `p`; `p >= 1` keeps all. An unsorted list is not sorted whole: a
    /// histogram of the probability mass over logit buckets finds the bucket where the running
    /// mass reaches `p`, and only that bucket is sorted (O(n) plus a small sort).
    mutating func keepTopP(_ p: Float) {
        guard p < 1, count > 1 else { return }
        let maxLogit = maximum(), m = Double(maxLogit)
        if sorted {
            var total = 0.0
            for i in 0..<count { total += exp(Double(items[i].logit) - m) }
            let target = Double(p) * total
            var sum = 0.0
            for i in 0..<count {
                sum += exp(Double(items[i].logit) - m)
                if sum >= target { count = i + 1; return }
            }
            return // rounding left the sum short of the target: keep all
        }
        let buckets = Self.bucketCount
        var minLogit = maxLogit
        for i in 0..<count where items[i].logit.isFinite && items[i].logit < minLogit { minLogit = items[i].logit }
        let span = min(maxLogit - minLogit, 64) // logits further down weigh under e^-64
        let perLogit = span > 0 ? Float(buckets) / span : 0
        /// 0 for the best logits; NaN, -inf and very low logits go to the last bucket.
        func bucket(_ logit: Float) -> Int {
            let d = (maxLogit - logit) * perLogit
            return d < Float(buckets - 1) ? Int(d) : buckets - 1
        }
        if bucketMass.count != buckets { bucketMass = [Double](repeating: 0, count: buckets) }
        for b in 0..<buckets { bucketMass[b] = 0 }
        var total = 0.0
        for i in 0..<count {
            let w = exp(Double(items[i].logit) - m)
            total += w
            bucketMass[bucket(items[i].logit)] += w
        }
        let target = Double(p) * total
        var sum = 0.0, cut = 0
        while cut < buckets - 1 && sum + bucketMass[cut] < target {
            sum += bucketMass[cut]
            cut += 1
        }
        // partition: buckets before `cut` (all kept), then bucket `cut`, sorted, then the rest
        var kept = 0
        for i in 0..<count where bucket(items[i].logit) < cut {
            items.swapAt(i, kept)
            kept += 1
        }
        var end = kept
        for i in kept..<count where bucket(items[i].logit) == cut {
            items.swapAt(i, end)
            end += 1
        }
        items[kept..<end].sort(by: Self.ranksBefore)
        for i in kept..<end {
            sum += exp(Double(items[i].logit) - m)
            if sum >= target { count = i + 1; return }
        }
    }

    /// llama.cpp min-p: keeps candidates with `logit >= max logit + ln p`, i.e. probability at
    /// least `p` × the best one's; `p <= 0` keeps all. Keeps the order.
    mutating func keepMinP(_ p: Float) {
        guard p > 0, count > 1 else { return }
        let threshold = maximum() + log(p)
        var kept = 0
        for i in 0..<count where items[i].logit >= threshold {
            items[kept] = items[i]
            kept += 1
        }
        if kept > 0 { count = kept }
    }

    /// The best candidate's id.
    func argmax() -> Int {
        if sorted { return Int(items[0].id) }
        var best = 0
        for i in 1..<max(count, 1) where Self.ranksBefore(items[i], items[best]) { best = i }
        return Int(items[best].id)
    }

    /// llama.cpp `dist`: draws a candidate with probability `softmax(logit / temperature)`.
    /// Falls back to the argmax when the weights are not finite (NaN or all -inf logits).
    func draw(temperature: Float, using rng: inout SplitMix64) -> Int {
        let maxLogit = Double(maximum()), scale = 1 / Double(temperature)
        var total = 0.0
        for i in 0..<count { total += exp((Double(items[i].logit) - maxLogit) * scale) }
        guard total.isFinite, total > 0 else { return argmax() }
        let target = Double(rng.next() >> 11) * 0x1p-53 * total // uniform in [0, total)
        var sum = 0.0, last = 0
        for i in 0..<count {
            let w = exp((Double(items[i].logit) - maxLogit) * scale)
            guard w > 0 else { continue }
            sum += w
            last = i
            if sum > target { return Int(items[i].id) }
        }
        return Int(items[last].id)
    }

    /// The candidates with `softmax(logit / temperature)`, most likely first (ties: lower id).
    func probabilities(temperature: Float) -> [(token: Int, probability: Float)] {
        let live = items[0..<count].sorted(by: Self.ranksBefore)
        guard let top = live.first else { return [] }
        let scale = 1 / Double(temperature)
        let weights = live.map { exp((Double($0.logit) - Double(top.logit)) * scale) }
        let total = weights.reduce(0, +)
        return zip(live, weights).map { (Int($0.id), Float($1 / total)) }
    }

    /// Largest live logit (NaN never wins).
    func maximum() -> Float {
        if sorted { return items[0].logit }
        var m = -Float.infinity
        for i in 0..<count where items[i].logit > m { m = items[i].logit }
        return m
    }

    /// Moves the `m` best of the live candidates to `items[0..<m]`, best first; the others stay
    /// live in `items[m..<count]`. A heap of the `m` best so far with the worst at the root,
    /// then heap sort: O(count · log m).
    private mutating func moveBestToFront(_ m: Int) {
        for i in stride(from: m / 2 - 1, through: 0, by: -1) { siftDown(i, heapSize: m) }
        for i in m..<count where Self.ranksBefore(items[i], items[0]) {
            items.swapAt(0, i)
            siftDown(0, heapSize: m)
        }
        for end in stride(from: m - 1, to: 0, by: -1) {
            items.swapAt(0, end) // the worst left goes last
            siftDown(0, heapSize: end)
        }
    }

    /// Restores the heap order below `i` in `items[0..<heapSize]` (each parent ranks after its children).
    private mutating func siftDown(_ start: Int, heapSize: Int) {
        var i = start
        while true {
            let left = 2 * i + 1
            guard left < heapSize else { return }
            var worst = left
            if left + 1 < heapSize && Self.ranksBefore(items[left], items[left + 1]) { worst = left + 1 }
            guard Self.ranksBefore(items[i], items[worst]) else { return }
            items.swapAt(i, worst)
            i = worst
        }
    }
}
