import Foundation
import Testing
import RagTuneTestSupport
@testable import RagTuneModels

/// all-MiniLM-L6-v2 against the golden embeddings of Tests/Fixtures/minilm (numpy float64 reference).
@Suite(.serialized) struct BertTests {
    /// The installed MiniLM (tests using it carry `.needsMiniLM`; a load error fails them).
    static let embedder = Result { try MiniLMEmbedder(directory: TestModels.directory, batchSize: 8, threads: 2) }

    static func rows() throws -> [(ids: [Int], embedding: [Float])] {
        try ModelFixtures.jsonl("minilm/sentences.jsonl").map {
            (($0["ids"] as! [NSNumber]).map(\.intValue), ($0["embedding"] as! [NSNumber]).map(\.floatValue))
        }
    }

    @Test(.needsMiniLM) func embeddingsMatchGoldenWithinTolerance() throws {
        let embedder = try Self.embedder.get()
        let rows = try Self.rows()
        #expect(rows.count == 28)
        // One at a time, from the fixture ids (tokenizer tested separately).
        var worst: Float = 0
        for (i, row) in rows.enumerated() {
            let got = try embedder.model.embed([row.ids], threads: 2)[0]
            let maxAbs = zip(got, row.embedding).map { abs($0 - $1) }.max()!
            let cosine = zip(got, row.embedding).reduce(0) { $0 + $1.0 * $1.1 }
            worst = max(worst, maxAbs)
            #expect(maxAbs <= 1e-4, "row \(i): max abs \(maxAbs)")
            #expect(cosine >= 0.9999, "row \(i): cosine \(cosine)")
        }
        print("MiniLM golden: worst max-abs difference \(worst) over 28 rows")
        #expect(worst < 1e-5, "a correct FP32 implementation lands near 1e-6; got \(worst)")
    }

    @Test(.needsMiniLM) func packedBatchEqualsSingleRuns() throws {
        let embedder = try Self.embedder.get()
        let rows = try Self.rows()
        let batch = try embedder.model.embed(rows.map(\.ids), threads: 2)
        for (i, row) in rows.enumerated() {
            let single = try embedder.model.embed([row.ids], threads: 1)[0]
            let diff = zip(single, batch[i]).map { abs($0 - $1) }.max()!
            #expect(diff <= 1e-6, "row \(i): batched vs single differ by \(diff)")
        }
    }

    @Test(.needsMiniLM) func fusedAttentionMatchesBLASAttention() throws {
        let embedder = try Self.embedder.get()
        // Lengths around the kernel's 8-row blocks and 16-column vectors, up to the model's limit.
        var state: UInt64 = 7
        let batch = [1, 2, 7, 8, 9, 15, 16, 17, 33, 250, 256, 300, 512].map { n in
            (0..<n).map { _ in
                state = state &* 6364136223846793005 &+ 1442695040888963407
                return 1000 + Int(state >> 33) % 29_000
            }
        }
        let fused = try embedder.model.hiddenStates(batch, threads: 2, workspace: BertWorkspace(), attention: .fused)
        let blas = try embedder.model.hiddenStates(batch, threads: 2, workspace: BertWorkspace(), attention: .blas)
        let diff = zip(fused.storage, blas.storage).map { abs($0 - $1) }.max()!
        #expect(diff <= 1e-4, "hidden states of the two attention kernels differ by \(diff)")
    }

    @Test(.needsMiniLM) func textsEmbedThroughTheTokenizer() throws {
        let embedder = try Self.embedder.get()
        let fixture = try ModelFixtures.jsonl("minilm/sentences.jsonl")
        let texts = fixture.map { $0["text"] as! String }
        let vectors = try embedder.embed(texts)
        for (i, row) in try Self.rows().enumerated() {
            let diff = zip(vectors[i], row.embedding).map { abs($0 - $1) }.max()!
            #expect(diff <= 1e-4, "row \(i): \(diff)")
        }
    }

    @Test(.needsMiniLM) func badInputIsAnErrorNotACrash() throws {
        let embedder = try Self.embedder.get()
        #expect(throws: ModelError.self) { try embedder.model.embed([[]], threads: 1) }
        #expect(throws: ModelError.self) { try embedder.model.embed([[101, 999_999, 102]], threads: 1) }
        #expect(throws: ModelError.self) { try embedder.model.embed([Array(repeating: 1000, count: 513)], threads: 1) }
    }

    @Test func flopCountMatchesTheIssueEstimate() {
        // The issue quotes ≈2.9 GFLOP for MiniLM on a 128-token chunk.
        #expect(abs(BertConfig.miniLM.forwardFLOPs(tokens: 128) / 1e9 - 2.87) < 0.01)
    }
}
