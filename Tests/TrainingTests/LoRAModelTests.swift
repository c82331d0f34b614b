import Foundation
import Testing
import RagTuneModels
import RagTuneTensor
@testable import RagTuneTraining

/// The whole decoder's adapter gradients against central finite differences of the loss, on
/// the tiny random model with a batch of two sequences, partial loss masks and dropout.
@Suite struct LoRAModelTests {
    static let batch = [
        TrainingSequence(tokens: [3, 17, 42, 8, 8, 25, 1], targets: [17, 42, 8, 8, 25, 1, 49],
                         mask: [false, false, true, true, false, true, true]),
        TrainingSequence(tokens: [10, 11, 12, 13, 14], targets: [11, 12, 13, 14, 15],
                         mask: [false, true, true, true, true]),
    ]
    static let dropoutSeed: UInt64 = 77

    /// Rank 2, α 4, dropout 0.1 on all seven modules; B random (not PEFT's zeros) so that A's
    /// gradient is not trivially zero.
    static func model(checkpointing: Bool = false, dropout: Float = 0.1) throws -> LoRAModel {
        let lora = LoRAConfiguration(rank: 2, alpha: 4, dropout: dropout, seed: 3)
        let model = try LoRAModel(base: TrainingFixtures.tinyModel(), lora: lora, gradientCheckpointing: checkpointing)
        var rng = SplitMix64(seed: 4)
        let layout = model.parameters.layout
        for layer in 0..<layout.layerCount {
            for target in layout.targets {
                for i in layout.range(layer: layer, target: target, .b)! { model.parameters.values[i] = rng.float(-0.5, 0.5) }
            }
        }
        return model
    }

    @Test(arguments: LlamaProjection.allCases)
    func adapterGradientsMatchFiniteDifferences(_ target: LlamaProjection) throws {
        let model = try Self.model()
        let analytic = try model.lossAndGradients(batch: Self.batch, dropoutSeed: Self.dropoutSeed).gradients
        let start = model.parameters.values
        let loss: ([Float]) -> Double = { values in
            model.parameters.values = values
            return try! model.run(Self.batch, dropoutSeed: Self.dropoutSeed, gradients: false).loss
        }
        for layer in 0..<2 {
            for matrix in [LoRALayout.Matrix.a, .b] {
                let range = model.parameters.layout.range(layer: layer, target: target, matrix)!
                let numeric = TrainingFixtures.numericGradient(of: loss, at: start, indices: Array(range), eps: 1e-3)
                let error = TrainingFixtures.relativeError(Array(analytic.values[range]), numeric)
                print("grad check end-to-end layer \(layer) \(target.rawValue).\(matrix): relative error \(error)")
                #expect(error < 1e-2, "layer \(layer) \(target.rawValue) \(matrix): relative error \(error)")
                #expect(numeric.contains { abs($0) > 1e-4 }, "layer \(layer) \(target.rawValue) \(matrix): zero gradient")
            }
        }
        model.parameters.values = start
    }

    @Test func checkpointingGivesBitIdenticalGradients() throws {
        let plain = try Self.model().lossAndGradients(batch: Self.batch, dropoutSeed: Self.dropoutSeed)
        let checkpointed = try Self.model(checkpointing: true).lossAndGradients(batch: Self.batch,
                                                                                 dropoutSeed: Self.dropoutSeed)
        #expect(plain.loss == checkpointed.loss)
        #expect(plain.gradients == checkpointed.gradients)
    }

    @Test func batchGradientIsTheTokenWeightedMeanOfSequenceGradients() throws {
        let model = try Self.model(dropout: 0)
        let whole = try model.lossAndGradients(batch: Self.batch)
        let parts = try Self.batch.map { try model.lossAndGradients(batch: [$0]) }
        let counts = Self.batch.map { Float($0.countedTokens) }, total = counts.reduce(0, +)
        let expectedLoss = (parts[0].loss * counts[0] + parts[1].loss * counts[1]) / total
        #expect(abs(whole.loss - expectedLoss) < 1e-5)
        for i in whole.gradients.values.indices {
            let expected = (parts[0].gradients.values[i] * counts[0] + parts[1].gradients.values[i] * counts[1]) / total
            #expect(abs(whole.gradients.values[i] - expected) < 1e-5 * max(1, abs(expected)))
        }
    }

    @Test func peftInitializationLeavesTheBaseModelUnchanged() throws {
        let base = TrainingFixtures.tinyModel()
        let adapted = try LoRAModel(base: base, lora: LoRAConfiguration(rank: 4, seed: 9))
        let plain = try LoRAModel(base: base, lora: LoRAConfiguration(rank: 4, targets: [], seed: 9))
        let tokens = [1, 2, 3, 4, 5, 6]
        #expect(try adapted.logits(tokens: tokens) == plain.logits(tokens: tokens))
        // and an adapter with B ≠ 0 changes them
        let trained = try Self.model(dropout: 0)
        #expect(try trained.logits(tokens: tokens) != plain.logits(tokens: tokens))
    }

    @Test func dropoutOnlyActsWithASeed() throws {
        let model = try Self.model()
        let evaluation = try model.loss(batch: Self.batch)
        #expect(try model.loss(batch: Self.batch) == evaluation)
        let first = try model.loss(batch: Self.batch, dropoutSeed: 1)
        #expect(first != evaluation)
        #expect(try model.loss(batch: Self.batch, dropoutSeed: 1) == first)
        #expect(try model.loss(batch: Self.batch, dropoutSeed: 2) != first)
    }

    @Test func rejectsBadInput() throws {
        let model = try Self.model()
        #expect(throws: TrainingError.tokenOutOfRange(field: "tokens", index: 1, id: 50, vocabularySize: 50)) {
            try model.loss(tokens: [1, 50], targets: [2, 3], mask: [true, true])
        }
        #expect(throws: TrainingError.tokenOutOfRange(field: "targets", index: 0, id: -100, vocabularySize: 50)) {
            try model.loss(tokens: [1, 2], targets: [-100, 3], mask: [true, true])
        }
        // an ignored target may be anything (PyTorch's −100)
        _ = try model.loss(tokens: [1, 2], targets: [-100, 3], mask: [false, true])
        #expect(throws: TrainingError.noCountedTokens) {
            try model.lossAndGradients(tokens: [1, 2], targets: [2, 3], mask: [false, false])
        }
        #expect(throws: TrainingError.self) { try model.loss(tokens: [1, 2], targets: [2], mask: [true, true]) }
        #expect(throws: TrainingError.invalidHyperparameter(name: "dropout", value: "1.0", reason: "must be in [0, 1)")) {
            try LoRAModel(base: TrainingFixtures.tinyModel(), lora: LoRAConfiguration(dropout: 1))
        }
    }

    /// LoRA on a random tiny decoder memorizes three short replies (loss masked to the reply).
    @Test func loRAOverfitsThreeSequences() throws {
        let config = LlamaConfig(layerCount: 2, embeddingSize: 64, feedForwardSize: 128, headCount: 4, kvHeadCount: 2,
                                 ropeBase: 10_000, ropeDimensions: 16, rmsEpsilon: 1e-5, vocabularySize: 50,
                                 contextLength: 64)
        var base = DenseLlamaWeights(randomWith: config, seed: 21)
        base.tokenEmbedding = base.tokenEmbedding.map { $0 * 0.5 } // a start near the uniform loss ln 50 ≈ 3.9
        let model = try LoRAModel(base: base,
                                  lora: LoRAConfiguration(rank: 8, alpha: 16, dropout: 0.05, seed: 22))
        var rng = SplitMix64(seed: 23)
        let batch = (0..<3).map { _ in
            let ids = (0..<10).map { _ in Int(rng.next() % 50) }
            return TrainingSequence(nextTokenOf: ids, trainable: ids.indices.map { $0 >= 4 })
        }
        var optimizer = AdamW(parameterCount: model.parameters.values.count, learningRate: 2e-3)
        let initial = try model.loss(batch: batch)
        let clock = ContinuousClock(), start = clock.now
        var steps = 0, loss = initial
        while loss >= 0.05 && steps < 300 {
            let (_, gradients) = try model.lossAndGradients(batch: batch, dropoutSeed: UInt64(steps))
            try optimizer.update(&model.parameters.values, gradients: gradients.values)
            steps += 1
            loss = try model.loss(batch: batch)
        }
        print("LoRA overfit: loss \(initial) → \(loss) in \(steps) AdamW steps, \(clock.now - start)")
        #expect(initial > 3)
        #expect(loss < 0.05)
    }
}
