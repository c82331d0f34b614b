/// Vectorized elementary functions on `SIMD16<Float>` (one AVX-512 register, two AVX2 registers).
/// Accuracy is stated per function; tests compare against Foundation's scalar versions.
public enum VectorMath {
    public typealias V = SIMD16<Float>

    /// |x|, by clearing the sign bit.
    @inline(__always)
    public static func magnitude(_ x: V) -> V {
        unsafeBitCast(unsafeBitCast(x, to: SIMD16<UInt32>.self) & 0x7FFF_FFFF, to: V.self)
    }

    /// e^x, relative error ≤ 2 ulp for x in [-87, 88]; inputs below -87.3 give 0, above 88.7 give +inf.
    /// Cephes `expf`: x = n·ln2 + r with |r| ≤ ln2/2, degree-6 polynomial for e^r, scale by 2^n.
    /// Rounding and the float→int step use the 1.5·2²³ trick: generic SIMD conversions and
    /// `rounded`/`clamped` compile to scalar loops, so they are avoided here.
    @inline(__always)
    public static func exp(_ x: V) -> V {
        let lo = V(repeating: -87.33654), hi = V(repeating: 88.72283)
        var clamped = x.replacing(with: lo, where: x .< lo)
        clamped.replace(with: hi, where: clamped .> hi)
        let magic = V(repeating: 12_582_912) // 1.5·2²³: adding it rounds to an integer in the low bits
        let shifted = clamped * V(repeating: 1.44269504088896341) + magic
        let n = shifted - magic
        var r = clamped - n * V(repeating: 0.693359375)
        r = r + n * V(repeating: 2.12194440e-4)
        var p = V(repeating: 1.9875691500e-4)
        p = p * r + V(repeating: 1.3981999507e-3)
        p = p * r + V(repeating: 8.3334519073e-3)
        p = p * r + V(repeating: 4.1665795894e-2)
        p = p * r + V(repeating: 1.6666665459e-1)
        p = p * r + V(repeating: 5.0000001201e-1)
        let er = p * (r * r) + r + V(repeating: 1)
        // 2^n from the integer in the low mantissa bits; n in [-126, 128] after the clamp.
        let integer = unsafeBitCast(shifted, to: SIMD16<Int32>.self) &- 0x4B40_0000
        let big = integer .> 127
        let exponent = integer.replacing(with: 127, where: big) &+ 127
        let scale = unsafeBitCast(exponent &<< 23, to: V.self)
        var result = er * scale
        // n = 128 only at the very top of the range: scale by 2^127 and double once more.
        result.replace(with: result * V(repeating: 2), where: big)
        result.replace(with: 0, where: x .< lo)
        result.replace(with: Float.infinity, where: x .> hi)
        return result
    }

    /// erfc(|x|) for the magnitude of x: the Chebyshev fit of Numerical Recipes (`erfcc`),
    /// relative error < 1.2e-7 everywhere.
    @inline(__always)
    public static func erfcOfMagnitude(_ x: V) -> V {
        let ax = magnitude(x)
        let one = V(repeating: 1)
        let t = one / (ax * V(repeating: 0.5) + one)
        var p = V(repeating: 0.17087277)
        p = p * t - V(repeating: 0.82215223)
        p = p * t + V(repeating: 1.48851587)
        p = p * t - V(repeating: 1.13520398)
        p = p * t + V(repeating: 0.27886807)
        p = p * t - V(repeating: 0.18628806)
        p = p * t + V(repeating: 0.09678418)
        p = p * t + V(repeating: 0.37409196)
        p = p * t + V(repeating: 1.00002368)
        p = p * t - V(repeating: 1.26551223)
        return t * exp(p - ax * ax)
    }

    /// Φ(x), the standard normal CDF = (1 + erf(x/√2))/2, from erfc so that it keeps relative
    /// accuracy in the lower tail; absolute error ≤ 1e-7.
    @inline(__always)
    public static func normalCDF(_ x: V) -> V {
        let half = V(repeating: 0.5) * erfcOfMagnitude(x * V(repeating: 0.70710678118654752))
        return half.replacing(with: V(repeating: 1) - half, where: x .> 0)
    }

    /// erf(x), absolute error ≤ 2e-7. |x| < 0.6: Maclaurin series to x¹⁵; otherwise
    /// 1 − erfc(|x|) with the Chebyshev fit of Numerical Recipes (`erfcc`, relative error < 1.2e-7).
    @inline(__always)
    public static func erf(_ x: V) -> V {
        let ax = magnitude(x)
        let one = V(repeating: 1)
        // Series: 2/√π · Σ (−1)ⁿ x^(2n+1) / (n! (2n+1))
        let x2 = x * x
        var s = V(repeating: -1.0 / 75_600)
        s = s * x2 + V(repeating: 1.0 / 9_360)
        s = s * x2 - V(repeating: 1.0 / 1_320)
        s = s * x2 + V(repeating: 1.0 / 216)
        s = s * x2 - V(repeating: 1.0 / 42)
        s = s * x2 + V(repeating: 1.0 / 10)
        s = s * x2 - V(repeating: 1.0 / 3)
        s = s * x2 + one
        let series = s * x * V(repeating: 1.1283791670955126)
        let erfc = erfcOfMagnitude(x)
        var tail = one - erfc
        tail.replace(with: -tail, where: x .< 0)
        return tail.replacing(with: series, where: ax .< V(repeating: 0.6))
    }

    /// tanh(x) through e^(2x); absolute error ≤ 2e-7.
    @inline(__always)
    public static func tanh(_ x: V) -> V {
        let one = V(repeating: 1)
        let e = exp(V(repeating: -2) * magnitude(x))
        let y = (one - e) / (one + e)
        return y.replacing(with: -y, where: x .< 0)
    }
}
