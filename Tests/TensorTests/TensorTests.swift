import Testing
@testable import RagTuneTensor

@Suite struct TensorTests {
    @Test func shapesAndIndexing() {
        var t = Tensor(zeros: [2, 3])
        t[1, 2] = 5
        #expect(t.storage == [0, 0, 0, 0, 0, 5])
        #expect(t.rows == 2 && t.columns == 3 && t.rank == 2)
        #expect(t.row(1) == [0, 0, 5])
        #expect(t.reshaped([3, 2])[2, 1] == 5)
        #expect(QuantType.q4_1.byteCount(elements: 64) == 40)
        #expect(QuantType.q8_0.byteCount(elements: 33) == nil)
    }
}
