import Foundation
import RagTuneTensor

/// The SwiGLU activation of the Llama MLP: h = silu(g) ⊙ u, silu(g) = g·σ(g).
enum SwiGLULayer {
    /// - Parameters: gate, up, hidden: `[count]` each; `hidden` receives silu(gate) ⊙ up.
    static func forward(gate: UnsafePointer<Float>, up: UnsafePointer<Float>, count: Int,
                        into hidden: UnsafeMutablePointer<Float>) {
        hidden.update(from: gate, count: count)
        Kernels.swiglu(hidden, up, count: count)
    }

    /// dg = dh ⊙ u ⊙ σ(g)(1 + g(1 − σ(g))), du = dh ⊙ silu(g). Both are written (not accumulated).
    static func backward(_ dHidden: UnsafePointer<Float>, gate: UnsafePointer<Float>, up: UnsafePointer<Float>,
                         count: Int, dGate: UnsafeMutablePointer<Float>, dUp: UnsafeMutablePointer<Float>) {
        for i in 0..<count {
            let g = gate[i]
            let sigmoid = 1 / (1 + Foundation.exp(-g))
            dUp[i] = dHidden[i] * g * sigmoid
            dGate[i] = dHidden[i] * up[i] * sigmoid * (1 + g * (1 - sigmoid))
        }
    }
}
