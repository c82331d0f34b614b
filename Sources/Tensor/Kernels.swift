import CKernels

/// SIMD kernels on contiguous Float32 buffers. Pointers must be valid for `count` elements;
/// in-place variants overwrite their input. Sizes are internal invariants, not user input.
public enum Kernels {
    typealias V = SIMD16<Float>

    @inline(__always)
    static func load(_ p: UnsafePointer<Float>) -> V {
        UnsafeRawPointer(p).loadUnaligned(as: V.self)
    }

    @inline(__always)
    static func store(_ v: V, _ p: UnsafeMutablePointer<Float>) {
        UnsafeMutableRawPointer(p).storeBytes(of: v, as: V.self)
    }

    /// Σ a[i]·b[i] over `count` elements, with four independent accumulators.
    public static func dot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, count: Int) -> Float {
        var s0 = V(), s1 = V(), s2 = V(), s3 = V()
        var i = 0
        while i + 64 <= count {
            s0 = s0.addingProduct(load(a + i), load(b + i))
            s1 = s1.addingProduct(load(a + i + 16), load(b + i + 16))
            s2 = s2.addingProduct(load(a + i + 32), load(b + i + 32))
            s3 = s3.addingProduct(load(a + i + 48), load(b + i + 48))
            i += 64
        }
        while i + 16 <= count {
            s0 = s0.addingProduct(load(a + i), load(b + i))
            i += 16
        }
        var sum = ((s0 + s1) + (s2 + s3)).sum()
        while i < count {
            sum += a[i] * b[i]
            i += 1
        }
        return sum
    }

    /// y[i] += alpha · x[i]
    public static func axpy(_ alpha: Float, _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, count: Int) {
        var i = 0
        let va = V(repeating: alpha)
        while i + 16 <= count {
            store(load(y + i).addingProduct(va, load(x + i)), y + i)
            i += 16
        }
        while i < count {
            y[i] += alpha * x[i]
            i += 1
        }
    }

    /// y[i] += x[i]
    public static func add(_ x: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>, count: Int) {
        var i = 0
        while i + 16 <= count {
            store(load(y + i) + load(x + i), y + i)
            i += 16
        }
        while i < count {
            y[i] += x[i]
            i += 1
        }
    }

    /// x[i] *= alpha
    public static func scale(_ x: UnsafeMutablePointer<Float>, by alpha: Float, count: Int) {
        var i = 0
        while i + 16 <= count {
            store(load(x + i) * alpha, x + i)
            i += 16
        }
        while i < count {
            x[i] *= alpha
            i += 1
        }
    }

    /// Largest element (−∞ for an empty buffer).
    public static func maximum(_ x: UnsafePointer<Float>, count: Int) -> Float {
        var m = V(repeating: -.infinity)
        var i = 0
        while i + 16 <= count {
            let v = load(x + i)
            m.replace(with: v, where: v .> m) // pointwiseMax is not inlined: a scalar loop
            i += 16
        }
        var result = m.max()
        while i < count {
            result = Swift.max(result, x[i])
            i += 1
        }
        return result
    }

    /// Index of the largest element, NaNs ignored; the lowest index wins a tie (0 for an empty or
    /// all-NaN buffer).
    public static func argmax(_ x: UnsafePointer<Float>, count: Int) -> Int {
        let m = maximum(x, count: count)
        for i in 0..<count where x[i] == m { return i }
        return 0
    }

    /// In-place softmax: x ← exp(x − max x) / Σ exp(x − max x). Entries of −∞ become 0.
    /// (C, `rt_softmax`: the same e^x as `VectorMath.exp`, with fused multiply-adds.)
    public static func softmax(_ x: UnsafeMutablePointer<Float>, count: Int) {
        rt_softmax(x, Int64(count))
    }

    /// One query's attention over `positions` cached positions: s_t = scale · q·k_t, p = softmax(s),
    /// out = Σ_t p_t v_t, where position t's key and value (`headSize` floats each) start at
    /// keys + t · stride and values + t · stride. `scores` has room for `positions` floats and holds p
    /// afterwards. (C, `rt_attend`, for head sizes that are a multiple of 8: eight positions' scores
    /// per pass, where two strided SGEMVs per head took 3.7 of a decoded token's 20 ms on an AVX2 EPYC.)
    public static func attend(query: UnsafePointer<Float>, keys: UnsafePointer<Float>, values: UnsafePointer<Float>,
                              stride: Int, positions: Int, headSize: Int, scale: Float,
                              scores: UnsafeMutablePointer<Float>, into out: UnsafeMutablePointer<Float>) {
        if headSize % 8 == 0 {
            rt_attend(query, keys, values, Int64(stride), Int64(positions), Int64(headSize), scale, scores, out)
            return
        }
        for t in 0..<positions { scores[t] = scale * dot(keys + t * stride, query, count: headSize) }
        softmax(scores, count: positions)
        out.update(repeating: 0, count: headSize)
        for t in 0..<positions { axpy(scores[t], values + t * stride, out, count: headSize) }
    }

    /// LayerNorm of one row with biased variance (as PyTorch): y = (x − μ)/√(σ² + eps)·γ + β.
    /// `x` and `y` may alias.
    public static func layerNorm(_ x: UnsafePointer<Float>, gamma: UnsafePointer<Float>, beta: UnsafePointer<Float>,
                                 eps: Float, into y: UnsafeMutablePointer<Float>, count: Int) {
        var s = V()
        var i = 0
        while i + 16 <= count { s += load(x + i); i += 16 }
        var sum = s.sum()
        while i < count { sum += x[i]; i += 1 }
        let mean = sum / Float(count)
        let vmean = V(repeating: mean)
        var q = V()
        i = 0
        while i + 16 <= count { let d = load(x + i) - vmean; q = q.addingProduct(d, d); i += 16 }
        var sq = q.sum()
        while i < count { let d = x[i] - mean; sq += d * d; i += 1 }
        let inv = 1 / (sq / Float(count) + eps).squareRoot()
        let vinv = V(repeating: inv)
        i = 0
        while i + 16 <= count {
            store((load(x + i) - vmean) * vinv * load(gamma + i) + load(beta + i), y + i)
            i += 16
        }
        while i < count { y[i] = (x[i] - mean) * inv * gamma[i] + beta[i]; i += 1 }
    }

    /// RMSNorm of one row (Llama): y = x / √(mean(x²) + eps) · γ. `x` and `y` may alias.
    public static func rmsNorm(_ x: UnsafePointer<Float>, gamma: UnsafePointer<Float>, eps: Float,
                               into y: UnsafeMutablePointer<Float>, count: Int) {
        var q = V()
        var i = 0
        while i + 16 <= count { let v = load(x + i); q = q.addingProduct(v, v); i += 16 }
        var sq = q.sum()
        while i < count { sq += x[i] * x[i]; i += 1 }
        let inv = 1 / (sq / Float(count) + eps).squareRoot()
        let vinv = V(repeating: inv)
        i = 0
        while i + 16 <= count { store(load(x + i) * vinv * load(gamma + i), y + i); i += 16 }
        while i < count { y[i] = x[i] * inv * gamma[i]; i += 1 }
    }

    /// In-place exact GELU (erf form, as BERT): x ← x·Φ(x) = x/2 · (1 + erf(x/√2)).
    public static func gelu(_ x: UnsafeMutablePointer<Float>, count: Int) {
        var i = 0
        while i + 16 <= count {
            let v = load(x + i)
            store(v * VectorMath.normalCDF(v), x + i)
            i += 16
        }
        if i < count { applyTail(x + i, count: count - i) { v in v * VectorMath.normalCDF(v) } }
    }

    /// In-place SiLU: x ← x · σ(x) = x / (1 + e^(−x)).
    public static func silu(_ x: UnsafeMutablePointer<Float>, count: Int) {
        var i = 0
        while i + 16 <= count {
            let v = load(x + i)
            store(v / (1 + VectorMath.exp(-v)), x + i)
            i += 16
        }
        if i < count { applyTail(x + i, count: count - i) { v in v / (1 + VectorMath.exp(-v)) } }
    }

    /// SwiGLU gate: gate[i] ← silu(gate[i]) · up[i]. (C, `rt_swiglu`: Swift's generic SIMD code
    /// passed `VectorMath.exp` its vectors through memory and ran 4× slower on an AVX2 EPYC.)
    public static func swiglu(_ gate: UnsafeMutablePointer<Float>, _ up: UnsafePointer<Float>, count: Int) {
        rt_swiglu(gate, up, Int64(count))
    }

    /// Scales `x` to unit L2 norm (left unchanged when the norm is 0).
    public static func l2Normalize(_ x: UnsafeMutablePointer<Float>, count: Int) {
        let norm = dot(x, x, count: count).squareRoot()
        if norm > 0 { scale(x, by: 1 / norm, count: count) }
    }

    /// The same vector functions on a short tail, through a zero-padded SIMD register.
    @inline(__always)
    static func applyTail(_ x: UnsafeMutablePointer<Float>, count: Int, _ f: (V) -> V) {
        var v = V()
        for j in 0..<count { v[j] = x[j] }
        let r = f(v)
        for j in 0..<count { x[j] = r[j] }
    }
}
