import Testing
@testable import RagTuneTensor

/// CPU time grows while the process computes.
@Suite struct ProcessCPUTimeTests {
    @Test func growsWithWork() {
        let before = ProcessCPUTime.seconds()
        var x = 0.0
        for i in 0..<20_000_000 { x += Double(i % 7) * 1e-9 }
        let after = ProcessCPUTime.seconds()
        #expect(x > 0 && before > 0 && after > before)
    }
}
