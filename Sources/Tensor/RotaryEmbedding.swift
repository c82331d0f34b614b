import Foundation

/// Rotary position embedding (RoPE). Pair i of a head is rotated by the angle
/// `position · base^(−2i/dimensions)`, computed in Double.
public struct RotaryEmbedding: Sendable {
    /// Which elements of a head form a rotated pair.
    public enum Pairing: Sendable {
        /// `(x[2i], x[2i+1])`: llama.cpp's NORMAL mode, right for GGUF Llama weights (q/k pre-permuted).
        case adjacent
        /// `(x[i], x[i + d/2])`: NeoX / Hugging Face rotate-half.
        case halves
    }

    /// Rotated dimensions per head (≤ head size; the rest pass through).
    public let dimensions: Int
    public let base: Double
    public let pairing: Pairing
    /// base^(−2i/dimensions) for i in 0..<dimensions/2.
    private let inverseFrequencies: [Double]

    public init(dimensions: Int, base: Double, pairing: Pairing = .adjacent) {
        self.dimensions = dimensions
        self.base = base
        self.pairing = pairing
        self.inverseFrequencies = (0..<(dimensions / 2)).map { pow(base, -2 * Double($0) / Double(dimensions)) }
    }

    /// Rotates `heads` consecutive head vectors of `headSize` floats, all at `position`, in place.
    /// - Parameter x: `[heads, headSize]`
    public func apply(_ x: UnsafeMutablePointer<Float>, heads: Int, headSize: Int, position: Int) {
        withUnsafeTemporaryAllocation(of: Float.self, capacity: dimensions) { table in
            angles(position: position, into: table.baseAddress!)
            apply(x, heads: heads, headSize: headSize, angles: table.baseAddress!)
        }
    }

    /// cos and sin of every pair's angle at `position` into `table` (`dimensions` floats: the
    /// cosines, then the sines), for `apply(_:heads:headSize:angles:)`. A decoder computes them
    /// once per position for all its layers instead of 2 × layers times.
    public func angles(position: Int, into table: UnsafeMutablePointer<Float>) {
        let half = dimensions / 2
        for i in 0..<half {
            let angle = Double(position) * inverseFrequencies[i]
            table[i] = Float(cos(angle))
            table[half + i] = Float(sin(angle))
        }
    }

    /// Rotates `heads` consecutive head vectors of `headSize` floats in place by the angles of one
    /// position (`angles(position:into:)`). - Parameter x: `[heads, headSize]`
    public func apply(_ x: UnsafeMutablePointer<Float>, heads: Int, headSize: Int, angles table: UnsafePointer<Float>) {
        let half = dimensions / 2
        for h in 0..<heads {
            let v = x + h * headSize
            for i in 0..<half {
                let (a, b) = pairing == .adjacent ? (2 * i, 2 * i + 1) : (i, i + half)
                let c = table[i], s = table[half + i]
                let x0 = v[a], x1 = v[b]
                v[a] = x0 * c - x1 * s
                v[b] = x0 * s + x1 * c
            }
        }
    }
}
