import RagTuneTensor

/// RMSNorm over rows of width `d` (Llama): y = x · r · γ with r = 1/√(mean(x²) + eps).
/// The forward pass keeps r per row for the backward pass (as llm.c keeps `rstd`).
enum RMSNormLayer {
    /// - Parameters:
    ///   - x: `[rows, d]` input
    ///   - gamma: `[d]` gain
    ///   - y: `[rows, d]` output (may not alias `x`)
    ///   - rstd: `[rows]` receives r of each row
    static func forward(_ x: UnsafePointer<Float>, gamma: UnsafePointer<Float>, eps: Float, rows: Int, width d: Int,
                        into y: UnsafeMutablePointer<Float>, rstd: UnsafeMutablePointer<Float>) {
        for t in 0..<rows {
            let xr = x + t * d, yr = y + t * d
            let r = 1 / (Kernels.dot(xr, xr, count: d) / Float(d) + eps).squareRoot()
            rstd[t] = r
            for i in 0..<d { yr[i] = xr[i] * r * gamma[i] }
        }
    }

    /// With x̂ = x·r and g = dy ⊙ γ: dx = r · (g − x̂ · mean(g ⊙ x̂)), dγ = Σ_rows dy ⊙ x̂.
    /// - Parameters:
    ///   - dy: `[rows, d]` gradient of the output
    ///   - dx: `[rows, d]`, the input gradient is **added** to it
    ///   - dGamma: `[d]`, accumulated when given (the gain is frozen during LoRA training)
    static func backward(_ dy: UnsafePointer<Float>, x: UnsafePointer<Float>, gamma: UnsafePointer<Float>,
                         rstd: UnsafePointer<Float>, rows: Int, width d: Int, dx: UnsafeMutablePointer<Float>,
                         dGamma: UnsafeMutablePointer<Float>? = nil) {
        for t in 0..<rows {
            let xr = x + t * d, dyr = dy + t * d, dxr = dx + t * d
            let r = rstd[t]
            var mean: Float = 0
            for i in 0..<d { mean += dyr[i] * gamma[i] * xr[i] * r }
            mean /= Float(d)
            for i in 0..<d {
                let xhat = xr[i] * r
                dxr[i] += r * (dyr[i] * gamma[i] - xhat * mean)
            }
            if let dGamma {
                for i in 0..<d { dGamma[i] += dyr[i] * xr[i] * r }
            }
        }
    }
}
