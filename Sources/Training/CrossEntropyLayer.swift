import Foundation
import RagTuneTensor

/// Softmax cross-entropy of logit rows against target ids, fused with its backward pass
/// (llm.c's `crossentropy_softmax_backward`): loss_i = logsumexp(z_i) − z_i[target_i],
/// ∂loss_i/∂z_i = softmax(z_i) − onehot(target_i).
enum CrossEntropyLayer {
    /// - Parameters:
    ///   - logits: `[rows, vocab]`; with `gradientScale`, overwritten by scale · (softmax − onehot)
    ///   - targets: `[rows]` ids in 0..<vocab
    ///   - gradientScale: the factor of each row's loss in the objective (1 / counted tokens);
    ///     nil computes the loss only and leaves the logits unchanged
    /// - Returns: Σ_i loss_i, accumulated in Double
    static func lossAndGradient(_ logits: UnsafeMutablePointer<Float>, rows: Int, vocabulary: Int,
                                targets: [Int], gradientScale: Float?) -> Double {
        var total: Double = 0
        for i in 0..<rows {
            let row = logits + i * vocabulary, target = targets[i]
            let targetLogit = row[target]
            let m = Kernels.maximum(row, count: vocabulary)
            let sum = exponentialSum(row, count: vocabulary, shift: m, store: gradientScale != nil)
            total += Double(m) + log(sum) - Double(targetLogit)
            if let scale = gradientScale {
                Kernels.scale(row, by: Float(Double(scale) / sum), count: vocabulary)
                row[target] -= scale
            }
        }
        return total
    }

    /// Σ exp(x − shift) in Double, writing each exp(x − shift) back into `x` when `store`.
    private static func exponentialSum(_ x: UnsafeMutablePointer<Float>, count: Int, shift: Float,
                                       store: Bool) -> Double {
        typealias V = VectorMath.V
        let vShift = V(repeating: shift)
        var sum: Double = 0
        var i = 0
        while i < count {
            let n = min(16, count - i)
            var v = V(repeating: -.infinity)
            if n == 16 {
                v = UnsafeRawPointer(x + i).loadUnaligned(as: V.self)
            } else {
                for j in 0..<n { v[j] = x[i + j] }
            }
            let e = VectorMath.exp(v - vShift)
            if store {
                if n == 16 {
                    UnsafeMutableRawPointer(x + i).storeBytes(of: e, as: V.self)
                } else {
                    for j in 0..<n { x[i + j] = e[j] }
                }
            }
            sum += Double(e.sum())
            i += 16
        }
        return sum
    }
}
