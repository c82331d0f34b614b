import Testing
import RagTuneTestSupport
import RagTuneModels
import RagTuneTokenizers
@testable import RagTuneTraining

/// The training forward pass on the real SmolLM2-135M-Instruct (Q4_1 GGUF, dequantized matrix by
/// matrix) against the inference path, `LlamaSession`.
@Suite(.serialized) struct LoRAModelSmolLM2Tests {
    /// A short chat exchange in ChatML, about 20 tokens.
    static func prompt(_ model: LlamaModel) throws -> [Int] {
        let text = "<|im_start|>user\nWhat is the capital of France?<|im_end|>\n<|im_start|>assistant\nThe capital of France is Paris."
        return try BPETokenizer(gguf: model.gguf).encode(text, parseSpecial: true)
    }

    @Test(.needsSmolLM2) func zeroAdapterLogitsMatchLlamaSession() throws {
        let model = try TrainingFixtures.smolLM2.get()
        let prompt = try Self.prompt(model)
        let reference = try LlamaSession(model: model, threads: 2, precision: .exact).evaluate(prompt, allLogits: true)
        let training = try LoRAModel(base: model, lora: LoRAConfiguration(rank: 8, alpha: 16, dropout: 0), threads: 2)
        let logits = try training.logits(tokens: prompt)
        var worst: Float = 0, worstRelative: Float = 0, magnitude: Float = 0
        for (ours, theirs) in zip(logits, reference) {
            for (a, b) in zip(ours, theirs) {
                worst = max(worst, abs(a - b))
                worstRelative = max(worstRelative, abs(a - b) / max(1, abs(b)))
                magnitude = max(magnitude, abs(b))
            }
            #expect(ours.indices.max { ours[$0] < ours[$1] } == theirs.indices.max { theirs[$0] < theirs[$1] })
        }
        print("SmolLM2 training forward vs LlamaSession over \(prompt.count) positions: max |Δlogit| \(worst), "
              + "max |Δ|/max(1,|logit|) \(worstRelative), largest |logit| \(magnitude)")
        #expect(logits.count == prompt.count)
        #expect(worstRelative < 1e-3)
    }

    @Test(.needsSmolLM2) func lossAndGradientsRunOnTheRealModel() throws {
        let model = try TrainingFixtures.smolLM2.get()
        let lora = LoRAConfiguration(rank: 4, alpha: 8, dropout: 0.05, targets: [.query, .value, .down])
        let training = try LoRAModel(base: model, lora: lora, threads: 2, gradientCheckpointing: true)
        let prompt = try Self.prompt(model)
        // learn only the reply: the tokens after the last "<|im_start|>", "assistant", "\n"
        let replyStart = prompt.lastIndex(of: try BPETokenizer(gguf: model.gguf).imStartId!)! + 3
        let sequence = TrainingSequence(nextTokenOf: prompt, trainable: prompt.indices.map { $0 >= replyStart })
        let (loss, gradients) = try training.lossAndGradients(batch: [sequence], dropoutSeed: 1)
        #expect(loss.isFinite && loss > 0 && loss < 15)
        // B starts at zero, so only B gets a gradient at the first step (PEFT's start)
        let layout = gradients.layout
        let bNorm = (0..<layout.layerCount).flatMap { l in lora.targets.flatMap { gradients.weights(layer: l, target: $0, .b)! } }
            .reduce(0) { $0 + $1 * $1 }
        let aMax = (0..<layout.layerCount).flatMap { l in lora.targets.flatMap { gradients.weights(layer: l, target: $0, .a)! } }
            .map(abs).max()!
        #expect(bNorm > 0 && bNorm.isFinite)
        #expect(aMax == 0)
    }
}
