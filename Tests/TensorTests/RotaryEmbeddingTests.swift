import Foundation
import Testing
@testable import RagTuneTensor

@Suite struct RotaryEmbeddingTests {
    @Test func adjacentPairsRotateByPositionTimesFrequency() {
        let rope = RotaryEmbedding(dimensions: 4, base: 10_000, pairing: .adjacent)
        var x: [Float] = [1, 0, 1, 0]
        rope.apply(&x, heads: 1, headSize: 4, position: 3)
        // pair 0 turns by 3 rad, pair 1 by 3·10000^(-1/2) = 0.03 rad
        #expect(abs(x[0] - Float(cos(3.0))) < 1e-6 && abs(x[1] - Float(sin(3.0))) < 1e-6)
        #expect(abs(x[2] - Float(cos(0.03))) < 1e-6 && abs(x[3] - Float(sin(0.03))) < 1e-6)
    }

    @Test func halvesPairingAndPositionZeroIsIdentity() {
        let rope = RotaryEmbedding(dimensions: 4, base: 100, pairing: .halves)
        var x: [Float] = [1, 2, 3, 4, 5, 6, 7, 8]
        rope.apply(&x, heads: 2, headSize: 4, position: 0)
        #expect(x == [1, 2, 3, 4, 5, 6, 7, 8])
        var y: [Float] = [1, 0, 0, 0]
        rope.apply(&y, heads: 1, headSize: 4, position: 1)
        // pair (0, 2) turns by 1 rad
        #expect(abs(y[0] - Float(cos(1.0))) < 1e-6 && abs(y[2] - Float(sin(1.0))) < 1e-6)
    }
}
