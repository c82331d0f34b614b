import Foundation

/// Settings of the token sampler (`Sampler`), with llama.cpp's defaults and semantics.
///
/// Steps run in llama.cpp's common-sampler order: penalties → top-k → top-p → min-p →
/// temperature → draw; with `temperature <= 0` the sampler picks the argmax after penalties.
/// JSON keys follow llama.cpp's server (`top_k`, `repeat_penalty`, `repeat_last_n`, …);
/// missing keys take the defaults below.
public struct SamplingParameters: Sendable, Codable, Equatable {
    /// Divides the logits before the draw; `0` means greedy (argmax). Default 0.8.
    public var temperature: Float
    /// Keeps the `topK` highest logits; `<= 0` disables. Default 40.
    public var topK: Int
    /// Keeps the smallest most-likely set whose probability reaches `topP`, in (0, 1]; `1` disables. Default 0.95.
    public var topP: Float
    /// Drops tokens less likely than `minP` × the most likely one's probability, in [0, 1]; `0` disables. Default 0.05.
    public var minP: Float
    /// Penalty for tokens in the recent window: a positive logit is divided by it, a
    /// non-positive one multiplied (llama.cpp `repeat_penalty`). `1` disables. Default 1.
    public var repetitionPenalty: Float
    /// Subtracted from a token's logit once per occurrence in the window (OpenAI / llama.cpp). Default 0.
    public var frequencyPenalty: Float
    /// Subtracted from a token's logit once if it occurs in the window at all. Default 0.
    public var presencePenalty: Float
    /// Tokens remembered for the penalties: the last `penaltyLastN` accepted ones;
    /// `0` disables the penalties, `-1` remembers every accepted token. Default 64.
    public var penaltyLastN: Int
    /// Seed of the draw; the same seed, logits and accepted tokens give the same tokens.
    public var seed: UInt64

    enum CodingKeys: String, CodingKey {
        case temperature
        case topK = "top_k"
        case topP = "top_p"
        case minP = "min_p"
        case repetitionPenalty = "repeat_penalty"
        case frequencyPenalty = "frequency_penalty"
        case presencePenalty = "presence_penalty"
        case penaltyLastN = "repeat_last_n"
        case seed
    }

    public init(temperature: Float = 0.8, topK: Int = 40, topP: Float = 0.95, minP: Float = 0.05,
                repetitionPenalty: Float = 1, frequencyPenalty: Float = 0, presencePenalty: Float = 0,
                penaltyLastN: Int = 64, seed: UInt64 = 0) {
        self.temperature = temperature
        self.topK = topK
        self.topP = topP
        self.minP = minP
        self.repetitionPenalty = repetitionPenalty
        self.frequencyPenalty = frequencyPenalty
        self.presencePenalty = presencePenalty
        self.penaltyLastN = penaltyLastN
        self.seed = seed
    }

    /// Argmax decoding, no penalties.
    public static let greedy = SamplingParameters(temperature: 0)

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = SamplingParameters()
        temperature = try c.decodeIfPresent(Float.self, forKey: .temperature) ?? d.temperature
        topK = try c.decodeIfPresent(Int.self, forKey: .topK) ?? d.topK
        topP = try c.decodeIfPresent(Float.self, forKey: .topP) ?? d.topP
        minP = try c.decodeIfPresent(Float.self, forKey: .minP) ?? d.minP
        repetitionPenalty = try c.decodeIfPresent(Float.self, forKey: .repetitionPenalty) ?? d.repetitionPenalty
        frequencyPenalty = try c.decodeIfPresent(Float.self, forKey: .frequencyPenalty) ?? d.frequencyPenalty
        presencePenalty = try c.decodeIfPresent(Float.self, forKey: .presencePenalty) ?? d.presencePenalty
        penaltyLastN = try c.decodeIfPresent(Int.self, forKey: .penaltyLastN) ?? d.penaltyLastN
        seed = try c.decodeIfPresent(UInt64.self, forKey: .seed) ?? d.seed
    }

    /// Whether any penalty changes logits (a window and a non-neutral penalty).
    public var hasPenalties: Bool {
        penaltyLastN != 0 && (repetitionPenalty != 1 || frequencyPenalty != 0 || presencePenalty != 0)
    }

    /// Throws `ModelError.invalidInput` naming the first field out of range and its value.
    public func validate() throws {
        func fail(_ field: String, _ value: Any, _ rule: String) -> ModelError {
            .invalidInput("sampling parameter \(field) = \(value) \(rule)")
        }
        guard temperature.isFinite, temperature >= 0 else {
            throw fail("temperature", temperature, "must be a finite number >= 0 (0 = greedy)")
        }
        guard topP > 0, topP <= 1 else { throw fail("topP", topP, "must be in (0, 1] (1 = off)") }
        guard minP >= 0, minP <= 1 else { throw fail("minP", minP, "must be in [0, 1] (0 = off)") }
        guard repetitionPenalty.isFinite, repetitionPenalty > 0 else {
            throw fail("repetitionPenalty", repetitionPenalty, "must be a finite number > 0 (1 = off)")
        }
        guard frequencyPenalty.isFinite else {
            throw fail("frequencyPenalty", frequencyPenalty, "must be finite (0 = off)")
        }
        guard presencePenalty.isFinite else {
            throw fail("presencePenalty", presencePenalty, "must be finite (0 = off)")
        }
        guard penaltyLastN >= -1 else {
            throw fail("penaltyLastN", penaltyLastN, "must be >= -1 (0 = off, -1 = every token)")
        }
    }
}
