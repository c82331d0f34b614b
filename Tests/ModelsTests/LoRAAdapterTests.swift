import Foundation
import Testing
import RagTuneTestSupport
import RagTuneTensor
@testable import RagTuneModels

/// `LoRAAdapter`: the hand-computed low-rank update, and adapters applied by `LlamaSession`
/// on the real SmolLM2 (zero B = the base model; swapping without reloading).
@Suite(.serialized) struct LoRAAdapterTests {
    /// A `[1, 2]` = [1, 2], B `[2, 1]` = [3, 4], scale ½: ΔW = ½·B·A = [[1.5, 3], [2, 4]].
    static let tiny = try! LoRAAdapter.Weights(a: [1, 2], b: [3, 4], rank: 1, inFeatures: 2, outFeatures: 2, scale: 0.5)

    @Test func deltaIsScaledBTimesA() {
        var w: [Float] = [1, 0, 0, 1]
        w.withUnsafeMutableBufferPointer { Self.tiny.addDelta(into: $0.baseAddress!) }
        #expect(w == [2.5, 3, 2, 5])
    }

    @Test func applyAddsTheUpdateToEachRow() {
        let x: [Float] = [1, 1, 2, -1] // two rows: [1, 1] and [2, -1]
        var y: [Float] = [10, 20, 30, 40]
        var hidden: [Float] = [0, 0]
        x.withUnsafeBufferPointer { x in
            y.withUnsafeMutableBufferPointer { y in
                hidden.withUnsafeMutableBufferPointer {
                    Self.tiny.apply(x.baseAddress!, rows: 2, into: y.baseAddress!, hidden: $0.baseAddress!)
                }
            }
        }
        // ΔW·[1, 1] = [4.5, 6]; ΔW·[2, -1] = [0, 0]
        #expect(y == [14.5, 26, 30, 40])
    }

    @Test func mismatchedCountsAreRefused() {
        #expect(throws: ModelError.self) {
            try LoRAAdapter.Weights(a: [1, 2, 3], b: [3, 4], rank: 1, inFeatures: 2, outFeatures: 2, scale: 1)
        }
    }

    /// PEFT-style start (random A, zero B) on every projection of every layer.
    static func zeroB(_ config: LlamaConfig, rank: Int = 4) throws -> LoRAAdapter {
        var rng = SplitMix64(seed: 5)
        return LoRAAdapter(layers: try (0..<config.layerCount).map { _ in
            try Dictionary(uniqueKeysWithValues: LlamaProjection.allCases.map { p in
                let (rows, columns) = p.shape(config)
                return (p, try LoRAAdapter.Weights(a: rng.floats(rank * columns), b: [Float](repeating: 0, count: rows * rank),
                                                   rank: rank, inFeatures: columns, outFeatures: rows, scale: 2))
            })
        })
    }

    @Test(.needsSmolLM2) func zeroBAdapterGivesTheBaseLogitsOnSmolLM2() throws {
        let directory = TestModels.directory
        let model = try LlamaModel(url: directory.file(ModelCatalog.smollm2.weightsFile, of: ModelCatalog.smollm2))
        let session = LlamaSession(model: model, threads: 2)
        let prompt = [1, 4093, 198, 1780, 314, 260, 3575, 282, 4649, 47, 2, 198, 1, 520, 9531, 198]
        let base = try session.evaluate(prompt, allLogits: true) + [session.evaluate([504])[0]]
        try session.setAdapter(Self.zeroB(model.config))
        #expect(session.tokens.isEmpty) // the cache was computed without the adapter
        let adapted = try session.evaluate(prompt, allLogits: true) + [session.evaluate([504])[0]]
        #expect(adapted == base)
        // a non-zero B changes the logits; removing it restores the base without reloading
        let config = model.config
        var layers = try Self.zeroB(config).layers
        let (rows, columns) = LlamaProjection.value.shape(config)
        layers[0][.value] = try LoRAAdapter.Weights(a: [Float](repeating: 0.05, count: 4 * columns),
                                                    b: [Float](repeating: 0.5, count: rows * 4),
                                                    rank: 4, inFeatures: columns, outFeatures: rows, scale: 2)
        try session.setAdapter(LoRAAdapter(layers: layers))
        #expect(try session.evaluate(prompt)[0] != base[prompt.count - 1])
        try session.setAdapter(nil)
        #expect(try session.evaluate(prompt)[0] == base[prompt.count - 1])
    }
}
