import Testing
import RagTuneModels
import RagTuneTraining
@testable import ragtune

/// `ragtune bench train`: the FLOP count behind its limit and its flags (no timing here).
@Suite struct TrainBenchTests {
    /// SmolLM2-135M's shape: 30 layers, d 576, 9 heads with 3 KV heads, ff 1536, vocab 49152.
    static let smolLM2 = LlamaConfig(layerCount: 30, embeddingSize: 576, feedForwardSize: 1536, headCount: 9, kvHeadCount: 3,
                                     ropeBase: 100_000, ropeDimensions: 64, rmsEpsilon: 1e-5, vocabularySize: 49152,
                                     contextLength: 8192)

    @Test func matrixParametersAreTheModelsParametersWithoutNorms() {
        // 134,515,008 parameters in all, of which 61 RMSNorm gains of 576 are no matrix.
        #expect(TrainBench.matrixParameters(Self.smolLM2) == 134_515_008 - 61 * 576)
    }

    @Test func benchmarkSequenceIsDeterministicAndFullyCounted() {
        let a = TrainBench.sequence(length: 16, vocabulary: 49152), b = TrainBench.sequence(length: 16, vocabulary: 49152)
        #expect(a == b && a.tokens.count == 16 && a.countedTokens == 16)
        #expect(Array(a.tokens.dropFirst()) == Array(a.targets.dropLast()))
        #expect(a.tokens.allSatisfy { (1000..<49152).contains($0) })
    }

    @Test func unknownModuleAndBadSizesAreRefused() throws {
        #expect(throws: (any Error).self) { try TrainBench.parse(["--targets", "q_proj,attn"]) }
        #expect(throws: (any Error).self) { try TrainBench.parse(["--cutoff", "1"]) }
        #expect(throws: (any Error).self) { try TrainBench.parse(["--threads", "x"]) }
        #expect(try TrainBench.parse(["--targets", "q_proj,v_proj"]).projections == [.query, .value])
    }
}
