import Testing
@testable import RagTuneTraining

@Suite struct TrainingErrorTests {
    @Test func describesTheMismatch() {
        #expect(TrainingError.shapeMismatch("x is [2, 3], expected [2, 4]").description
            == "shape mismatch: x is [2, 3], expected [2, 4]")
    }
}
