import Foundation
import Testing
import RagTuneTestSupport
import RagTuneModelFiles
import RagTuneTokenizers
import RagTuneTensor
@testable import RagTuneModels

/// SmolLM2-135M-Instruct (Q4_1 GGUF) against Tests/Fixtures/smollm2: the exact float64 reference
/// (`ref_*`) and llama.cpp's own values. See that folder's README for why both exist.
@Suite(.serialized) struct LlamaTests {
    /// The installed SmolLM2 (tests using it carry `.needsSmolLM2`; a load error fails them).
    static let model = Result {
        try LlamaModel(url: TestModels.directory.file(ModelCatalog.smollm2.weightsFile, of: ModelCatalog.smollm2))
    }

    struct Position {
        var id: Int, nextId: Int?
        var top10: [(Int, Float)], refTop10: [(Int, Float)], refNextLogit: Float?
    }

    static func pairs(_ value: Any?) -> [(Int, Float)] {
        (value as! [[NSNumber]]).map { ($0[0].intValue, $0[1].floatValue) }
    }

    static func logitRows() throws -> [(ids: [Int], positions: [Position])] {
        try ModelFixtures.jsonl("smollm2/logits.jsonl").map { line in
            let positions = (line["positions"] as! [[String: Any]]).map { p in
                Position(id: (p["id"] as! NSNumber).intValue, nextId: (p["next_id"] as? NSNumber)?.intValue,
                         top10: pairs(p["top10"]), refTop10: pairs(p["ref_top10"]),
                         refNextLogit: (p["ref_next_logit"] as? NSNumber)?.floatValue)
            }
            return ((line["ids"] as! [NSNumber]).map(\.intValue), positions)
        }
    }

    @Test(.needsSmolLM2) func configComesFromMetadata() throws {
        let model = try Self.model.get()
        let c = model.config
        let sizes: [Int] = [c.layerCount, c.embeddingSize, c.feedForwardSize, c.headCount, c.kvHeadCount, c.headSize]
        #expect(sizes == [30, 576, 1536, 9, 3, 64])
        #expect(c.ropeBase == 100_000 && c.ropeDimensions == 64 && c.vocabularySize == 49152)
        #expect(abs(c.rmsEpsilon - 1e-5) < 1e-9)
        #expect(model.output.name == "token_embd.weight") // tied head
    }

    @Test(.needsSmolLM2) func logitsMatchTheExactReference() throws {
        let model = try Self.model.get()
        var worstRef: Float = 0, worstLlamaCpp: Float = 0
        var agreeLlamaCpp = 0, positions = 0
        for row in try Self.logitRows() {
            let session = LlamaSession(model: model, threads: 2, precision: .exact)
            let logits = try session.evaluate(row.ids, allLogits: true)
            for (i, p) in row.positions.enumerated() {
                let ours = logits[i]
                var checks = p.refTop10
                if let next = p.nextId, let refNext = p.refNextLogit { checks.append((next, refNext)) }
                for (id, ref) in checks { worstRef = max(worstRef, abs(ours[id] - ref)) }
                for (id, value) in p.top10 { worstLlamaCpp = max(worstLlamaCpp, abs(ours[id] - value)) }
                let top1 = ours.indices.max { ours[$0] < ours[$1] }!
                #expect(top1 == p.refTop10[0].0, "position \(i): top-1 \(top1), reference \(p.refTop10[0].0)")
                if top1 == p.top10[0].0 { agreeLlamaCpp += 1 }
                positions += 1
            }
        }
        print("SmolLM2 logits: max |Δ| vs exact reference \(worstRef), vs llama.cpp \(worstLlamaCpp); "
              + "top-1 agreement with llama.cpp \(agreeLlamaCpp)/\(positions)")
        #expect(positions == 49)
        #expect(worstRef <= 1e-2)
        #expect(worstLlamaCpp <= 2.0)
        #expect(Double(agreeLlamaCpp) >= 0.9 * Double(positions))
    }

    @Test(.needsSmolLM2) func decodingOneTokenAtATimeEqualsOneBatch() throws {
        let model = try Self.model.get()
        let ids = try Self.logitRows()[0].ids
        let batched = try LlamaSession(model: model, threads: 2, precision: .exact).evaluate(ids, allLogits: true)
        let session = LlamaSession(model: model, threads: 1, precision: .exact)
        for (i, id) in ids.enumerated() {
            let step = try session.evaluate([id])[0]
            let diff = zip(step, batched[i]).map { abs($0 - $1) }.max()!
            #expect(diff < 1e-2, "position \(i): one-at-a-time vs batched differ by \(diff)")
        }
    }

    /// A 138-token prompt in one call (its queries attend in blocks of 32 rows) and in chunks of 45
    /// after a cached prefix (blocks that start mid-sequence) give the same logits on every position.
    @Test(.needsSmolLM2) func promptInOneCallEqualsPromptInChunks() throws {
        let model = try Self.model.get()
        let ids = try ModelFixtures.jsonl("smollm2/chat.jsonl")
            .map { ($0["prompt_ids"] as! [NSNumber]).map(\.intValue) }.max { $0.count < $1.count }!
        #expect(ids.count > 4 * LlamaSession.attentionBlockRows)
        let whole = try LlamaSession(model: model, threads: 2, precision: .exact).evaluate(ids, allLogits: true)
        let session = LlamaSession(model: model, threads: 2, precision: .exact)
        var chunked: [[Float]] = []
        for first in stride(from: 0, to: ids.count, by: 45) {
            chunked += try session.evaluate(Array(ids[first..<min(first + 45, ids.count)]), allLogits: true)
        }
        for i in ids.indices {
            let diff = zip(whole[i], chunked[i]).map { abs($0 - $1) }.max()!
            #expect(diff < 1e-2, "position \(i): one call vs chunks differ by \(diff)")
        }
    }

    /// The int8 path (one token at a time, as decoding runs) against llama.cpp's own logits, with
    /// every kernel this CPU runs: issue 17's bounds, top-1 agreement on ≥ 46 of 49 positions and
    /// |Δ| ≤ 1.0 on llama.cpp's top-10 logits, the latter up to one constant per position (softmax
    /// ignores it; see `checkInt8Bounds`). Both paths are also held to exact math.
    @Test(.needsSmolLM2, arguments: [false, true])
    func int8AVX2DecodeMeetsTheLlamaCppBounds(asPrompt: Bool) throws {
        try checkInt8Bounds(kernel: .avx2, asPrompt: asPrompt)
    }

    @Test(.needsSmolLM2, .enabled(if: Int8Kernel.avx512VNNI.isSupported, "skipped: this CPU has no AVX-512 VNNI"),
          arguments: [false, true])
    func int8VNNIDecodeMeetsTheLlamaCppBounds(asPrompt: Bool) throws {
        try checkInt8Bounds(kernel: .avx512VNNI, asPrompt: asPrompt)
    }

    func checkInt8Bounds(kernel: Int8Kernel, asPrompt: Bool) throws {
        let model = try Self.model.get()
        var worstLlamaCpp: Float = 0, worstRef: Float = 0, worstCentered: Float = 0
        var agreeLlamaCpp = 0, agreeRef = 0, positions = 0
        var meanLlamaCpp: Float = 0, meanRef: Float = 0
        for row in try Self.logitRows() {
            let session = LlamaSession(model: model, threads: 2, precision: .int8, int8Kernel: kernel)
            let prompt = asPrompt ? try session.evaluate(Array(row.ids.prefix(row.positions.count)), allLogits: true) : []
            for (i, p) in row.positions.enumerated() {
                let ours = asPrompt ? prompt[i] : try session.evaluate([row.ids[i]])[0]
                for (id, value) in p.top10 {
                    worstLlamaCpp = max(worstLlamaCpp, abs(ours[id] - value))
                    meanLlamaCpp += abs(ours[id] - value) / 490
                }
                // the same differences less their mean over the ten logits (a shift of every logit)
                let shift = p.top10.reduce(Float(0)) { $0 + ours[$1.0] - $1.1 } / Float(p.top10.count)
                worstCentered = max(worstCentered, p.top10.map { abs(ours[$0.0] - $0.1 - shift) }.max()!)
                for (id, value) in p.refTop10 {
                    worstRef = max(worstRef, abs(ours[id] - value))
                    meanRef += abs(ours[id] - value) / 490
                }
                let top1 = ours.indices.max { ours[$0] < ours[$1] }!
                if top1 == p.top10[0].0 { agreeLlamaCpp += 1 }
                if top1 == p.refTop10[0].0 { agreeRef += 1 }
                positions += 1
            }
        }
        print("SmolLM2 \(kernel.rawValue)\(asPrompt ? " as prompts" : ""): max |Δ| vs llama.cpp \(worstLlamaCpp) "
              + "(\(worstCentered) less each position's mean shift), vs exact \(worstRef); mean |Δ| "
              + "vs llama.cpp \(meanLlamaCpp), vs exact \(meanRef); top-1 "
              + "agreement \(agreeLlamaCpp)/\(positions) with llama.cpp, \(agreeRef)/\(positions) with exact")
        #expect(positions == 49)
        if asPrompt {
            // Prompts are held to exact math: their distance from llama.cpp's values (itself up to
            // 1.6 off exact) moves by ±0.2 with float summation order alone, because a changed sum
            // can flip an activation's int8 rounding (AVX2, two orders of the same sums in the
            // batched kernel: max 0.98 and 1.14 vs llama.cpp, 0.45 and 0.51 vs exact), so the
            // llama.cpp bounds are the contract of one-token decode.
            #expect(agreeRef >= 46)
        } else {
            // The raw max |Δ| moves the same way: the C attention kernel (another summation order,
            // nearer exact math: max 0.39 vs 0.54, mean 0.081 vs 0.091) took it from 0.94 to 1.05 at
            // one position where llama.cpp's logits all sit 0.85 below exact and ours 0.2 above.
            // A shift of every logit changes no probability, so the bound holds less that shift.
            #expect(worstCentered <= 1.0)
            #expect(agreeLlamaCpp >= 46)
        }
        // Outliers set aside keep it nearer exact math than llama.cpp's scheme (mean 0.16, max 1.3).
        #expect(meanRef <= 0.13 && worstRef <= 1.0)
    }

    /// A prompt longer than AVX2's batched-int8 limit but within VNNI's (`int8BatchRowLimit`): the
    /// reference chats' prompts run as one 300-token prompt, its last 64 positions held to exact math
    /// as the short prompts are (top-1 agreement, max and mean |Δ|), with every kernel this CPU runs.
    @Test(.needsSmolLM2) func longInt8PromptsStayNearExactMath() throws {
        let model = try Self.model.get()
        let ids = Array(try ModelFixtures.jsonl("smollm2/chat.jsonl").flatMap { ($0["prompt_ids"] as! [NSNumber]).map(\.intValue) }.prefix(300))
        #expect(ids.count == 300 && ids.count > LlamaSession.int8BatchRowLimit(.avx2))
        let exact = try LlamaSession(model: model, threads: 2, precision: .exact).evaluate(ids, allLogits: true).suffix(64)
        for kernel in Int8Kernel.allCases where kernel.isSupported {
            let int8 = try LlamaSession(model: model, threads: 2, precision: .int8, int8Kernel: kernel).evaluate(ids, allLogits: true).suffix(64)
            var agree = 0, worst: Float = 0, mean: Float = 0
            for (ours, reference) in zip(int8, exact) {
                if ours.indices.max(by: { ours[$0] < ours[$1] }) == reference.indices.max(by: { reference[$0] < reference[$1] }) { agree += 1 }
                let top10 = reference.indices.sorted { reference[$0] > reference[$1] }.prefix(10)
                for id in top10 {
                    worst = max(worst, abs(ours[id] - reference[id]))
                    mean += abs(ours[id] - reference[id]) / 640
                }
            }
            print("SmolLM2 \(kernel.rawValue), 300-token prompt (batched int8 up to \(LlamaSession.int8BatchRowLimit(kernel))): "
                  + "top-1 agreement \(agree)/64 with exact, max |Δ| \(worst), mean \(mean)")
            #expect(agree >= 60 && worst <= 1.0 && mean <= 0.13, "\(kernel.rawValue): \(agree)/64, max \(worst), mean \(mean)")
        }
    }

    @Test(.needsSmolLM2) func greedyChatsMatchTheReference() throws {
        let model = try Self.model.get()
        let tokenizer = try BPETokenizer(gguf: model.gguf)
        for (n, chat) in try ModelFixtures.jsonl("smollm2/chat.jsonl").enumerated() {
            let messages = (chat["messages"] as! [[String: String]]).map { ChatMessage(role: $0["role"]!, content: $0["content"]!) }
            let prompt = ChatTemplate.smolLM2.render(messages)
            #expect(prompt == chat["prompt"] as! String, "chat \(n): prompt rendering")
            let promptIds = tokenizer.encode(prompt, parseSpecial: true)
            #expect(promptIds == (chat["prompt_ids"] as! [NSNumber]).map(\.intValue), "chat \(n): prompt ids")
            let expected = (chat["ref_greedy_ids"] as! [NSNumber]).map(\.intValue)
            let session = LlamaSession(model: model, threads: 2, precision: .exact)
            var logits = try session.evaluate(promptIds)[0]
            var generated: [Int] = []
            while generated.count < expected.count {
                let next = logits.indices.max { logits[$0] < logits[$1] }!
                generated.append(next)
                if next == 2 { break }
                logits = try session.evaluate([next])[0]
            }
            #expect(generated == expected, "chat \(n): greedy ids differ from the exact reference")
        }
    }

    @Test(.needsSmolLM2) func contextAndVocabularyLimitsAreErrors() throws {
        let model = try Self.model.get()
        let session = LlamaSession(model: model, maxContext: 4, threads: 1)
        #expect(throws: ModelError.self) { try session.evaluate([]) }
        #expect(throws: ModelError.self) { try session.evaluate([49152]) }
        #expect(throws: ModelError.self) { try session.evaluate([1, 2, 3, 4, 5]) }
        _ = try session.evaluate([1, 2, 3, 4])
        #expect(throws: ModelError.self) { try session.evaluate([5]) }
    }
}
