import Testing
import RagTuneModels
@testable import RagTuneTraining

@Suite struct LoRAParametersTests {
    let config = TrainingFixtures.tinyConfig

    @Test func layoutTilesTheVectorWithoutGaps() {
        let layout = LoRALayout(config: config, rank: 3, targets: [.key, .down])
        var covered: [Range<Int>] = []
        for layer in 0..<config.layerCount {
            for target in [LlamaProjection.key, .down] {
                covered.append(layout.range(layer: layer, target: target, .a)!)
                covered.append(layout.range(layer: layer, target: target, .b)!)
            }
        }
        #expect(covered.map(\.count) == [3 * 16, 8 * 3, 3 * 32, 16 * 3, 3 * 16, 8 * 3, 3 * 32, 16 * 3])
        #expect(zip(covered, covered.dropFirst()).allSatisfy { $0.upperBound == $1.lowerBound })
        #expect(covered.first!.lowerBound == 0 && covered.last!.upperBound == layout.count)
        #expect(layout.range(layer: 0, target: .query, .a) == nil)
    }

    @Test func peftInitializationIsKaimingUniformAAndZeroB() {
        let layout = LoRALayout(config: config, rank: 4, targets: LlamaProjection.allCases)
        let parameters = LoRAParameters(peftInitializedWith: layout, seed: 5)
        for layer in 0..<config.layerCount {
            for target in LlamaProjection.allCases {
                let bound = 1 / Float(target.shape(config).columns).squareRoot()
                let a = parameters.weights(layer: layer, target: target, .a)!
                #expect(a.allSatisfy { abs($0) <= bound } && a.contains { abs($0) > bound / 2 })
                #expect(parameters.weights(layer: layer, target: target, .b)!.allSatisfy { $0 == 0 })
            }
        }
        #expect(LoRAParameters(peftInitializedWith: layout, seed: 5) == parameters)
        #expect(LoRAParameters(peftInitializedWith: layout, seed: 6) != parameters)
    }
}
