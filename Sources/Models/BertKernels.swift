/// Element-wise kernels of the BERT forward pass, written with explicit fused multiply-adds and
/// compiled into this module, so that they inline into the attention and FFN loops (the general
/// `VectorMath.exp` is a cross-module call, and its polynomials are separate multiplies and adds).
/// Same approximations as `VectorMath`: Cephes `expf`, Numerical Recipes `erfcc`.
enum BertKernels: SIMD16FloatAccess {
    typealias V = SIMD16<Float>

    /// e^x for x ≤ 88 (softmax and GELU arguments are ≤ 1); 0 below −87.34. Relative error ≈ 1e-7.
    @inline(__always)
    static func exp(_ x: V) -> V {
        let lo = V(repeating: -87.33654)
        let clamped = x.replacing(with: lo, where: x .< lo)
        let magic = V(repeating: 12_582_912) // 1.5·2²³: adding it rounds to an integer in the low bits
        let shifted = magic.addingProduct(clamped, V(repeating: 1.44269504088896341))
        let n = shifted - magic
        var r = clamped.addingProduct(n, V(repeating: -0.693359375))
        r = r.addingProduct(n, V(repeating: 2.12194440e-4))
        var p = V(repeating: 1.9875691500e-4)
        p = V(repeating: 1.3981999507e-3).addingProduct(p, r)
        p = V(repeating: 8.3334519073e-3).addingProduct(p, r)
        p = V(repeating: 4.1665795894e-2).addingProduct(p, r)
        p = V(repeating: 1.6666665459e-1).addingProduct(p, r)
        p = V(repeating: 5.0000001201e-1).addingProduct(p, r)
        let er = r.addingProduct(p, r * r) + V(repeating: 1)
        // 2^n from the integer in the low mantissa bits; n in [−126, 127] for x ≤ 88.
        let exponent = unsafeBitCast(shifted, to: SIMD16<Int32>.self) &- 0x4B40_0000 &+ 127
        let result = er * unsafeBitCast(exponent &<< 23, to: V.self)
        return result.replacing(with: 0, where: x .< lo)
    }

    /// Softmax numerators of one score row in place: x[j] ← e^(x[j] − max) for j < count, and 0 for
    /// `count ≤ j < padded` (`padded` a multiple of 16). - Returns: Σ x[j], the softmax divisor.
    @inline(__always)
    static func softmaxNumerators(_ x: UnsafeMutablePointer<Float>, count: Int, padded: Int) -> Float {
        var m = V(repeating: -.infinity)
        var j = 0
        while j + 16 <= count {
            let v = load(x + j)
            m.replace(with: v, where: v .> m)
            j += 16
        }
        var top = m.max()
        while j < count { top = Swift.max(top, x[j]); j += 1 }
        let vtop = V(repeating: top)
        var sum = V()
        j = 0
        while j < padded {
            var e = exp(load(x + j) - vtop)
            if j + 16 > count { e.replace(with: 0, where: lanes .>= SIMD16<Int32>(repeating: Int32(count - j))) }
            store(e, x + j)
            sum += e
            j += 16
        }
        return sum.sum()
    }

    private static let lanes = SIMD16<Int32>(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15)

    /// In-place exact-erf GELU, x ← x·Φ(x) = x·(1 + erf(x/√2))/2, through erfc of |x|/√2 (keeps
    /// relative accuracy in the lower tail); absolute error ≤ 1e-7·|x|.
    static func gelu(_ x: UnsafeMutablePointer<Float>, count: Int) {
        var i = 0
        while i + 16 <= count {
            store(gelu(load(x + i)), x + i)
            i += 16
        }
        if i < count {
            var v = V()
            for j in 0..<(count - i) { v[j] = x[i + j] }
            let r = gelu(v)
            for j in 0..<(count - i) { x[i + j] = r[j] }
        }
    }

    @inline(__always)
    static func gelu(_ v: V) -> V {
        let one = V(repeating: 1)
        // z = |v|/√2; erfc(z) = t·e^(p(t) − z²) with t = 1/(1 + z/2)
        let z = unsafeBitCast(unsafeBitCast(v, to: SIMD16<UInt32>.self) & 0x7FFF_FFFF, to: V.self)
            * V(repeating: 0.70710678118654752)
        let t = one / one.addingProduct(z, V(repeating: 0.5))
        var p = V(repeating: 0.17087277)
        p = V(repeating: -0.82215223).addingProduct(p, t)
        p = V(repeating: 1.48851587).addingProduct(p, t)
        p = V(repeating: -1.13520398).addingProduct(p, t)
        p = V(repeating: 0.27886807).addingProduct(p, t)
        p = V(repeating: -0.18628806).addingProduct(p, t)
        p = V(repeating: 0.09678418).addingProduct(p, t)
        p = V(repeating: 0.37409196).addingProduct(p, t)
        p = V(repeating: 1.00002368).addingProduct(p, t)
        p = V(repeating: -1.26551223).addingProduct(p, t)
        let lowerTail = V(repeating: 0.5) * t * exp(p.addingProduct(-z, z)) // Φ(−|v|)
        return v * lowerTail.replacing(with: one - lowerTail, where: v .> .zero)
    }
}

/// Unaligned 16-float loads and stores, shared by the BERT kernels (`BertKernels`,
/// `FusedAttention`).
protocol SIMD16FloatAccess {}

extension SIMD16FloatAccess {
    @inline(__always)
    static func load(_ p: UnsafePointer<Float>) -> SIMD16<Float> {
        UnsafeRawPointer(p).loadUnaligned(as: SIMD16<Float>.self)
    }

    @inline(__always)
    static func store(_ v: SIMD16<Float>, _ p: UnsafeMutablePointer<Float>) {
        UnsafeMutableRawPointer(p).storeBytes(of: v, as: SIMD16<Float>.self)
    }
}
