/// Scalar conversions between Float32 and the 16-bit float formats stored in model files.
/// Float16 is IEEE binary16 (native `Float16`; F16C instructions with the Haswell target);
/// BF16 has no Swift type, so it is handled as its bit pattern: the top 16 bits of a Float32.
extension Quantization {
    /// IEEE half-precision bits → Float32 (exact).
    @inline(__always)
    public static func halfToFloat(_ bits: UInt16) -> Float {
        Float(Float16(bitPattern: bits))
    }

    /// Float32 → IEEE half-precision bits, rounding to nearest even (as ggml's
    /// `GGML_FP32_TO_FP16`); values beyond ±65504 become ±infinity.
    @inline(__always)
    public static func floatToHalf(_ value: Float) -> UInt16 {
        Float16(value).bitPattern
    }

    /// BF16 bits → Float32 (exact): the bits become the high half of the Float32 pattern.
    @inline(__always)
    public static func bf16ToFloat(_ bits: UInt16) -> Float {
        Float(bitPattern: UInt32(bits) << 16)
    }

    /// Float32 → BF16 bits, rounding to nearest even; NaN stays a (quiet) NaN.
    /// Follows ggml's `ggml_compute_fp32_to_bf16` (and PyTorch's `float → bfloat16`).
    @inline(__always)
    public static func floatToBF16(_ value: Float) -> UInt16 {
        let bits = value.bitPattern
        if bits & 0x7FFF_FFFF > 0x7F80_0000 {  // NaN: truncate and force the quiet bit
            return UInt16(truncatingIfNeeded: bits >> 16) | 0x40
        }
        let rounded = bits &+ (0x7FFF &+ ((bits >> 16) & 1))
        return UInt16(truncatingIfNeeded: rounded >> 16)
    }
}
