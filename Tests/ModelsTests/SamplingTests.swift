import Foundation
import Testing
import RagTuneTensor
@testable import RagTuneModels

/// Only the named step is on: temperature 1, no top-k/top-p/min-p, no penalties.
private func only(temperature: Float = 1, topK: Int = 0, topP: Float = 1, minP: Float = 0,
                  repetition: Float = 1, frequency: Float = 0, presence: Float = 0,
                  lastN: Int = 64, seed: UInt64 = 0) -> SamplingParameters {
    SamplingParameters(temperature: temperature, topK: topK, topP: topP, minP: minP,
                       repetitionPenalty: repetition, frequencyPenalty: frequency,
                       presencePenalty: presence, penaltyLastN: lastN, seed: seed)
}

/// The sampler's distribution over logits `ln(probs)`, after accepting `accepted` (as llama.cpp's test-sampling.cpp).
private func distribution(_ params: SamplingParameters, probs: [Float],
                          accepted: [Int] = []) throws -> (tokens: [Int], probs: [Float]) {
    var sampler = try Sampler(parameters: params)
    sampler.accept(contentsOf: accepted)
    let d = try sampler.distribution(logits: probs.map { log($0) })
    return (d.map(\.token), d.map(\.probability))
}

private func close(_ a: [Float], _ b: [Float], _ tolerance: Float = 1e-5) -> Bool {
    a.count == b.count && zip(a, b).allSatisfy { abs($0 - $1) < tolerance }
}

/// The description of the error `body` throws, or "no error".
private func errorMessage(_ body: () throws -> Void) -> String {
    do { try body() } catch { return "\(error)" }
    return "no error"
}

private let quarter: [Float] = [0.1, 0.2, 0.3, 0.4]

@Suite struct SamplingTests {
    @Test func greedyIsTheArgmaxWithTiesToTheLowestId() throws {
        var s = try Sampler(parameters: .greedy)
        #expect(try s.sample(logits: [0.1, 2, -1, 1.5]) == 1)
        #expect(try s.sample(logits: [1, 3, 3, 2]) == 1)
        var rng = SplitMix64(seed: 7)
        let big = rng.floats(49152, -10, 10)
        #expect(try s.sample(logits: big) == big.indices.max { big[$0] < big[$1] })
        #expect(try s.distribution(logits: [1, 3, 3, 2]).map(\.token) == [1])
    }

    @Test func temperatureScalesTheLogits() throws {
        let t1 = try distribution(only(temperature: 1), probs: quarter)
        #expect(t1.tokens == [3, 2, 1, 0] && close(t1.probs, [0.4, 0.3, 0.2, 0.1]))
        for t: Float in [0.5, 2] {
            var s = try Sampler(parameters: only(temperature: t))
            let d = try s.distribution(logits: [1, 2, 3, 4])
            let e = (1...4).map { exp(Double($0) / Double(t)) }
            let sum = e.reduce(0, +)
            #expect(close(d.map(\.probability), e.reversed().map { Float($0 / sum) }))
        }
        // temperature 0: all mass on the argmax (llama.cpp test_temp)
        #expect(try distribution(only(temperature: 0), probs: quarter).tokens == [3])
    }

    @Test func topKKeepsExactlyK() throws {
        #expect(try distribution(only(topK: 1), probs: quarter).probs == [1])
        let k3 = try distribution(only(topK: 3), probs: quarter)
        #expect(k3.tokens == [3, 2, 1] && close(k3.probs, [0.44444, 0.33333, 0.22222]))
        #expect(try distribution(only(topK: 4), probs: quarter).tokens == [3, 2, 1, 0])
        #expect(try distribution(only(topK: 0), probs: quarter).tokens == [3, 2, 1, 0])
        var s = try Sampler(parameters: only(topK: 3))
        #expect(try s.distribution(logits: [Float](repeating: 1, count: 10)).map(\.token) == [0, 1, 2])
    }

    @Test func topKPartialSelectionMatchesAFullSort() throws {
        var rng = SplitMix64(seed: 3)
        let logits = rng.floats(49152, -5, 5)
        let reference = logits.indices.sorted { (logits[$0], -$0) > (logits[$1], -$1) }
        for k in [1, 40, 1000] {
            var s = try Sampler(parameters: only(topK: k))
            #expect(try s.distribution(logits: logits).map(\.token) == Array(reference.prefix(k)))
        }
    }

    @Test func topPKeepsTheSmallestSetReachingP() throws {
        let cases: [(Float, [Int], [Float])] = [
            (0.3, [3], [1]),
            (0.5, [3, 2], [0.571429, 0.428571]),
            (0.7, [3, 2], [0.571429, 0.428571]),
            (0.8, [3, 2, 1], [0.44444, 0.33333, 0.22222]),
            (1.0, [3, 2, 1, 0], [0.4, 0.3, 0.2, 0.1]),
        ]
        for (p, tokens, probs) in cases {
            let d = try distribution(only(topP: p), probs: quarter)
            #expect(d.tokens == tokens && close(d.probs, probs), "top-p \(p)")
        }
    }

    /// Unsorted (no top-k) top-p sorts only the logit bucket where the running mass reaches p.
    @Test func topPOnALargeVocabularyMatchesANaiveReference() throws {
        var rng = SplitMix64(seed: 11)
        let flat = rng.floats(5000, -1, 1)
        let peaked = rng.floats(5000, -1, 1).enumerated().map { $0.offset < 50 ? $0.element + 12 : $0.element }
        let equal = [Float](repeating: 0.5, count: 2000)
        for logits in [flat, peaked, equal] {
            for p: Float in [0.5, 0.9] {
                let order = logits.indices.sorted { (logits[$0], -$0) > (logits[$1], -$1) }
                let m = Double(logits[order[0]])
                let weights = order.map { exp(Double(logits[$0]) - m) }
                let target = Double(p) * weights.reduce(0, +)
                var sum = 0.0, n = 0
                while sum < target { sum += weights[n]; n += 1 }
                var s = try Sampler(parameters: only(topP: p))
                #expect(try s.distribution(logits: logits).map(\.token) == Array(order.prefix(n)))
            }
        }
    }

    @Test func minPDropsTokensBelowPTimesTheBest() throws {
        let cases: [(Float, [Int])] = [
            (0, [3, 2, 1, 0]), (0.24, [3, 2, 1, 0]), (0.26, [3, 2, 1]), (0.49, [3, 2, 1]),
            (0.51, [3, 2]), (0.74, [3, 2]), (0.76, [3]), (1, [3]),
        ]
        for (p, tokens) in cases {
            let d = try distribution(only(minP: p), probs: quarter)
            let kept = tokens.map { quarter[$0] }, total = kept.reduce(0, +)
            #expect(d.tokens == tokens && close(d.probs, kept.map { $0 / total }), "min-p \(p)")
        }
    }

    /// llama.cpp test_penalties, over five tokens of probability 0.2 each.
    @Test func penaltiesMatchLlamaCppDistributions() throws {
        let five = [Float](repeating: 0.2, count: 5)
        func probs(_ accepted: [Int], _ r: Float, _ f: Float, _ p: Float) throws -> [Float] {
            let d = try distribution(only(repetition: r, frequency: f, presence: p, lastN: 5),
                                     probs: five, accepted: accepted)
            return (0..<5).map { t in d.probs[d.tokens.firstIndex(of: t)!] }
        }
        #expect(close(try probs([0], 50, 0, 0), [0, 0.25, 0.25, 0.25, 0.25]))
        #expect(close(try probs([0, 1, 2], 50, 0, 0), [0, 0, 0, 0.5, 0.5]))
        #expect(close(try probs([0, 1, 2, 0, 0], 50, 0, 0), [0, 0, 0, 0.5, 0.5]))
        #expect(close(try probs([0], 1, 5, 5), [0.000011, 0.249997, 0.249997, 0.249997, 0.249997]))
        #expect(close(try probs([0, 1, 2], 1, 5, 5), [0.000023, 0.000023, 0.000023, 0.499966, 0.499966]))
        #expect(close(try probs([0, 1, 2, 0, 0], 1, 5, 5), [0, 0.000023, 0.000023, 0.499977, 0.499977]))
    }

    @Test func penaltiesFollowTheFormulasInsideTheWindowOnly() {
        let logits: [Float] = [2, -1, 0.5, 3, 0, 4]
        var list = CandidateList()
        logits.withUnsafeBufferPointer { list.load($0) }
        // window holds token 0 twice, 1 once, 4 once; token 5 and 3 are outside it; 99 is out of range
        list.penalize(counts: [0: 2, 1: 1, 4: 1, 99: 3], repetition: 2, frequency: 0.5, presence: 0.25)
        let expected: [Float] = [2 / 2 - 2 * 0.5 - 0.25, -1 * 2 - 0.5 - 0.25, 0.5, 3, 0 * 2 - 0.5 - 0.25, 4]
        #expect(list.items.prefix(6).map(\.logit) == expected)
    }

    @Test func theWindowForgetsOldTokens() throws {
        var s = try Sampler(parameters: only(temperature: 0, repetition: 100, lastN: 2))
        s.accept(contentsOf: [0, 1, 2])
        #expect(s.recentTokens == [1, 2])
        // token 0 (logit 3) left the window; 1 and 2 (logit 3.5) are divided by 100
        #expect(try s.sample(logits: [3, 3.5, 3.5]) == 0)
        s.reset()
        #expect(s.recentTokens.isEmpty)
        #expect(try s.sample(logits: [3, 3.5, 3.5]) == 1)
        var all = try Sampler(parameters: only(temperature: 0, presence: 1, lastN: -1))
        all.accept(contentsOf: Array(0..<100))
        #expect(all.recentTokens.count == 100)
        #expect(try all.sample(logits: [Float](repeating: 0, count: 100) + [-0.5]) == 100)
        var off = try Sampler(parameters: only(temperature: 0, repetition: 100, lastN: 0))
        off.accept(1)
        #expect(off.recentTokens.isEmpty)
        #expect(try off.sample(logits: [3, 3.5]) == 1)
    }

    @Test func theSameSeedGivesTheSameTokens() throws {
        let logits = (0..<50).map { Float($0 % 7) * 0.3 }
        func draws(_ seed: UInt64) throws -> [Int] {
            var s = try Sampler(parameters: only(seed: seed))
            return try (0..<1000).map { _ in try s.sample(logits: logits) }
        }
        let a = try draws(42)
        #expect(try draws(42) == a)
        #expect(try draws(43) != a)
        #expect(Set(a).count > 20)
    }

    @Test func drawsFollowTheDistribution() throws {
        var s = try Sampler(parameters: only(seed: 2024))
        let logits = quarter.map { log($0) }
        var counts = [0, 0, 0, 0]
        let n = 20_000
        for _ in 0..<n { counts[try s.sample(logits: logits)] += 1 }
        for (i, p) in quarter.enumerated() {
            let standardError = (Double(n) * Double(p) * (1 - Double(p))).squareRoot()
            #expect(abs(Double(counts[i]) - Double(n) * Double(p)) < 4 * standardError, "token \(i): \(counts[i])")
        }
    }

    /// top-p sees top-k's renormalized distribution: alone, p = 0.75 would keep three tokens.
    @Test func theStepsRunInLlamaCppOrder() throws {
        #expect(try distribution(only(topP: 0.75), probs: quarter).tokens == [3, 2, 1])
        let d = try distribution(only(temperature: 0.5, topK: 3, topP: 0.75, minP: 0.5), probs: quarter)
        #expect(d.tokens == [3, 2] && close(d.probs, [0.64, 0.36]))
        let strict = try distribution(only(topK: 3, topP: 0.75, minP: 0.76), probs: quarter)
        #expect(strict.tokens == [3])
    }

    @Test func theDefaultChainDrawsFromTheTopTokens() throws {
        var rng = SplitMix64(seed: 5)
        let logits = rng.floats(49152, -8, 8)
        let top40 = Set(logits.indices.sorted { logits[$0] > logits[$1] }.prefix(40))
        var s = try Sampler(parameters: SamplingParameters(seed: 1))
        for _ in 0..<50 { #expect(top40.contains(try s.sample(logits: logits))) }
    }

    @Test func maskedLogitsAreNeverDrawn() throws {
        var logits = [Float](repeating: -.infinity, count: 3000)
        logits[7] = 0.5
        logits[2999] = 0
        for params in [SamplingParameters(seed: 1), only(topP: 0.9, seed: 2), only(seed: 3)] {
            var s = try Sampler(parameters: params)
            for _ in 0..<200 { #expect([7, 2999].contains(try s.sample(logits: logits))) }
        }
    }

    @Test func invalidParametersNameTheFieldAndValue() {
        let bad: [(SamplingParameters, String)] = [
            (only(temperature: -1), "temperature = -1.0"), (only(temperature: .nan), "temperature = nan"),
            (only(topP: 0), "topP = 0.0"), (only(topP: 1.5), "topP = 1.5"), (only(minP: -0.1), "minP = -0.1"),
            (only(repetition: 0), "repetitionPenalty = 0.0"), (only(frequency: .infinity), "frequencyPenalty = inf"),
            (only(presence: .nan), "presencePenalty = nan"), (only(lastN: -2), "penaltyLastN = -2"),
        ]
        for (params, message) in bad {
            #expect(errorMessage { _ = try Sampler(parameters: params) }.contains(message), "\(message)")
        }
        #expect(throws: Never.self) { try SamplingParameters().validate() }
        #expect(throws: ModelError.self) { var s = try Sampler(parameters: .greedy); _ = try s.sample(logits: []) }
    }

    @Test func parametersDecodeLlamaCppKeysWithDefaults() throws {
        let json = #"{"temperature": 0.2, "top_k": 5, "repeat_penalty": 1.1, "repeat_last_n": -1, "seed": 9}"#
        let p = try JSONDecoder().decode(SamplingParameters.self, from: Data(json.utf8))
        #expect(p == SamplingParameters(temperature: 0.2, topK: 5, repetitionPenalty: 1.1, penaltyLastN: -1, seed: 9))
        let roundTrip = try JSONDecoder().decode(SamplingParameters.self, from: JSONEncoder().encode(p))
        #expect(roundTrip == p)
    }
}

extension SamplingTests {
    @Suite struct StopDetectorTests {
    private func run(_ stops: [String], _ chunks: [String]) -> (outputs: [String], detector: StopDetector) {
        var d = StopDetector(condition: StopCondition(maxTokens: 100, stopStrings: stops))
        let outputs = chunks.map { d.feed(token: 10, text: $0) }
        return (outputs, d)
    }

    @Test func aStopStringSplitAcrossChunksIsNeverShown() {
        let (out, d) = run(["###"], ["Hello #", "#", "# world", "more"])
        #expect(out == ["Hello ", "", "", ""])
        #expect(d.reason == .stopString("###") && d.text == "Hello ")
    }

    @Test func aHeldBackPrefixIsReleasedWhenItDoesNotComplete() {
        let (out, d) = run(["</s>"], ["a <", "/b> <", "/", "x"])
        #expect(out == ["a ", "</b> ", "", "</x"])
        #expect(d.reason == nil && d.text == "a </b> </x")
    }

    @Test func theEarliestStopStringWins() {
        let (out, d) = run(["world", "lo w"], ["hello world"])
        #expect(out == ["hel"] && d.reason == .stopString("lo w"))
    }

    @Test func unicodeStopStringsMatchWholeScalars() {
        let thumbs = run(["👍🏽"], ["ok 👍", "🏽 more"])
        #expect(thumbs.outputs == ["ok ", ""] && thumbs.detector.reason == .stopString("👍🏽"))
        let released = run(["👍🏽"], ["ok 👍", " fine"])
        #expect(released.outputs == ["ok ", "👍 fine"] && released.detector.reason == nil)
        let arrow = run(["→END"], ["x →", "EN", "D", "y"])
        #expect(arrow.outputs == ["x ", "", "", ""] && arrow.detector.text == "x ")
        let accents = run(["ü"], ["na", "ïve ", "über"])
        #expect(accents.outputs == ["na", "ïve ", ""] && accents.detector.text == "naïve ")
    }

    @Test func stopTokensEndWithoutTheirTextAndReleaseHeldText() {
        var d = StopDetector(condition: StopCondition(stopTokenIds: [0, 2, 4], stopStrings: ["\n\n"]))
        #expect(d.feed(token: 7, text: "Hi\n") == "Hi")
        #expect(d.feed(token: 2, text: "<|im_end|>") == "\n")
        #expect(d.reason == .stopToken(2) && d.text == "Hi\n" && d.tokenCount == 2)
        #expect(d.feed(token: 7, text: "late") == "")
    }

    @Test func maxTokensEndsAfterThatManyTokens() {
        var d = StopDetector(condition: StopCondition(maxTokens: 3, stopStrings: ["!!"]))
        #expect(d.feed(token: 5, text: "a") == "a")
        #expect(d.feed(token: 5, text: "b") == "b")
        #expect(d.feed(token: 5, text: "c!") == "c!")
        #expect(d.reason == .maxTokens && d.isStopped && d.text == "abc!")
        #expect(StopDetector(condition: StopCondition(maxTokens: 0)).reason == .maxTokens)
        var open = StopDetector(condition: StopCondition(stopStrings: ["!!"]))
        #expect(open.feed(text: "wow!") == "wow")
        #expect(open.finish() == "!")
        #expect(open.text == "wow!")
    }

    @Test func invalidStopConditionsNameTheField() {
        #expect(errorMessage { try StopCondition(maxTokens: -1).validate() }.contains("maxTokens = -1"))
        #expect(errorMessage { try StopCondition(stopStrings: ["a", ""]).validate() }.contains("stopStrings[1]"))
    }
}
}
