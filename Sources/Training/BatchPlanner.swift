import RagTuneTensor

/// The micro-batches of each epoch as lists of example indices, a pure function of
/// (lengths, batch size, grouping, seed, epoch), so a resumed run replays the same order
/// without saving random-number state.
///
/// Without grouping, the examples are shuffled and cut into batches. With `groupByLength`,
/// they are sorted by length (longest first), cut into batches of similar length, and the
/// batches are shuffled: each batch has little length spread, the order still varies by epoch
/// (in the spirit of Hugging Face's `LengthGroupedSampler`).
public struct BatchPlanner: Sendable, Equatable {
    /// Tokens of each example.
    public let lengths: [Int]
    public let microBatchSize: Int
    public let groupByLength: Bool
    public let seed: UInt64

    public init(lengths: [Int], microBatchSize: Int, groupByLength: Bool, seed: UInt64) {
        self.lengths = lengths
        self.microBatchSize = max(1, microBatchSize)
        self.groupByLength = groupByLength
        self.seed = seed
    }

    /// Micro-batches per epoch (the last one may be smaller).
    public var batchesPerEpoch: Int { (lengths.count + microBatchSize - 1) / microBatchSize }

    /// The micro-batches of epoch `epoch` (0-based), each a list of example indices.
    public func batches(epoch: Int) -> [[Int]] {
        var rng = SplitMix64(seed: seed &+ 0x9E37_79B9_7F4A_7C15 &* UInt64(epoch + 1))
        if groupByLength {
            let sorted = lengths.indices.sorted { lengths[$0] != lengths[$1] ? lengths[$0] > lengths[$1] : $0 < $1 }
            return Self.seededShuffle(chunks(sorted), &rng)
        }
        return chunks(Self.seededShuffle(Array(lengths.indices), &rng))
    }

    private func chunks(_ order: [Int]) -> [[Int]] {
        stride(from: 0, to: order.count, by: microBatchSize).map { Array(order[$0..<min(order.count, $0 + microBatchSize)]) }
    }

    /// Fisher–Yates with SplitMix64, spelled out so the order never depends on the standard
    /// library's shuffle implementation.
    static func seededShuffle<T>(_ items: [T], _ rng: inout SplitMix64) -> [T] {
        var items = items
        guard items.count > 1 else { return items }
        for i in stride(from: items.count - 1, to: 0, by: -1) {
            let j = Int(rng.next() % UInt64(i + 1))
            items.swapAt(i, j)
        }
        return items
    }
}
