import Foundation

/// Wall time of each decoder operation, summed over the `evaluate` calls of a session that has
/// one (`LlamaSession.profile`): where a decode step's time goes (`ragtune bench decode --profile`).
/// Timing costs two clock reads per operation, about 0.1% of a step.
public final class DecodeProfile {
    /// The steps of one forward pass, in order.
    public enum Operation: String, CaseIterable, Sendable {
        case embedding
        case attentionNorm = "attention_norm"
        case qkv = "qkv_matvec"
        case rope = "rope_and_cache"
        case attention
        case attentionOutput = "attention_output_matvec"
        case feedForwardNorm = "ffn_norm"
        case gateUp = "gate_up_matvec"
        case swiglu
        case down = "down_matvec"
        case residual
        case adapter = "lora_adapter"
        case outputNorm = "output_norm"
        case outputHead = "output_head_matvec"
    }

    /// Seconds per operation.
    public private(set) var seconds: [Operation: Double] = [:]

    public init() {}

    /// Runs `body`, adding its wall time to `operation`.
    @inline(__always)
    func time<R>(_ operation: Operation, _ body: () throws -> R) rethrows -> R {
        let start = DispatchTime.now().uptimeNanoseconds
        defer { seconds[operation, default: 0] += Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9 }
        return try body()
    }

    /// Forgets what was measured.
    public func reset() { seconds = [:] }

    /// Each operation's share of the total time, largest first.
    public var shares: [(operation: Operation, seconds: Double, share: Double)] {
        let total = seconds.values.reduce(0, +)
        return seconds.map { ($0.key, $0.value, total > 0 ? $0.value / total : 0) }.sorted { $0.seconds > $1.seconds }
    }
}
