import Foundation
import RagTuneModels
import RagTuneTestSupport
import RagTuneTensor
@testable import RagTuneTraining

/// Shared pieces of the training tests: the tiny random decoder, the installed SmolLM2, and
/// central finite differences.
enum TrainingFixtures {
    /// d 16, 4 heads of 4, 2 KV heads, ff 32, vocab 50, 2 layers.
    static let tinyConfig = LlamaConfig(layerCount: 2, embeddingSize: 16, feedForwardSize: 32, headCount: 4,
                                        kvHeadCount: 2, ropeBase: 10_000, ropeDimensions: 4, rmsEpsilon: 1e-5,
                                        vocabularySize: 50, contextLength: 64)

    static func tinyModel(seed: UInt64 = 1) -> DenseLlamaWeights {
        DenseLlamaWeights(randomWith: tinyConfig, seed: seed)
    }

    /// SmolLM2-135M-Instruct, loaded once (tests using it carry `.needsSmolLM2`; a missing or
    /// unreadable model fails them).
    static let smolLM2 = Result {
        try LlamaModel(url: TestModels.directory.file(ModelCatalog.smollm2.weightsFile, of: ModelCatalog.smollm2))
    }

    /// ∂f/∂x[i] by central differences (x[i] ± eps) for every i in `indices`.
    static func numericGradient(of f: ([Float]) -> Double, at x: [Float], indices: [Int], eps: Float) -> [Double] {
        indices.map { i in
            var plus = x, minus = x
            plus[i] += eps
            minus[i] -= eps
            return (f(plus) - f(minus)) / Double(plus[i] - minus[i])
        }
    }

    /// ‖analytic − numeric‖₂ / ‖numeric‖₂.
    static func relativeError(_ analytic: [Float], _ numeric: [Double]) -> Double {
        var diff: Double = 0, norm: Double = 0
        for (a, n) in zip(analytic, numeric) {
            diff += (Double(a) - n) * (Double(a) - n)
            norm += n * n
        }
        return (diff / max(norm, 1e-30)).squareRoot()
    }

    /// Σ w ⊙ y in Double: a scalar objective whose gradient with respect to y is w.
    static func weightedSum(_ y: [Float], _ w: [Float]) -> Double {
        zip(y, w).reduce(0) { $0 + Double($1.0) * Double($1.1) }
    }
}
