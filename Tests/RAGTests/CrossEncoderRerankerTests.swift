import Foundation
import Testing
import RagTuneTestSupport
import RagTuneModelFiles
import RagTuneModels
import RagTuneTensor
@testable import RagTuneRAG

/// The cross-encoder reranker on the fixture cross-encoder of Tests/Fixtures/cross-encoder (needs
/// the installed MiniLM, from which the checkpoint is built; skipped without it).
@Suite(.serialized) struct CrossEncoderRerankerTests {
    static let fixtures = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Fixtures/cross-encoder")

    /// The fixture checkpoint (MiniLM under `bert.` + SplitMix64 head, seed 42), as
    /// Tests/ModelsTests/CrossEncoderFixture.swift and scripts/cross_encoder_reference.py build it.
    static func buildFixture(into folder: URL) throws {
        let model = TestModels.directory.folder(for: ModelCatalog.minilm)
        let source = try SafetensorsFile(url: model.appendingPathComponent("model.safetensors"))
        var writer = SafetensorsWriter(metadata: source.metadata)
        for name in source.tensorNames {
            let info = try source.requireInfo(name)
            try writer.add(name: "bert." + name, dtype: info.dtype, shape: info.shape,
                           bytes: source.withTensorBytes(name) { Array($0) })
        }
        var random = SplitMix64(seed: 42)
        try writer.add(name: "classifier.weight", dtype: .f32, shape: [1, 384], floats: random.floats(384, -0.1, 0.1))
        try writer.add(name: "classifier.bias", dtype: .f32, shape: [1], floats: random.floats(1, -0.1, 0.1))
        try writer.write(to: folder.appendingPathComponent("model.safetensors"))
        for file in ["config.json", "tokenizer.json"] {   // config.json without labels: 1 label by default
            try FileManager.default.copyItem(at: model.appendingPathComponent(file), to: folder.appendingPathComponent(file))
        }
    }

    @Test(.needsMiniLM) func scoresAreTheNumpyLogitsInPassageOrder() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("ragtune-reranker-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        try Self.buildFixture(into: folder)
        let rows = try String(contentsOf: Self.fixtures.appendingPathComponent("pairs.jsonl"), encoding: .utf8)
            .split(separator: "\n").map { try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any] }
        // Pairs 0 and 1 share the question; pair 6 (truncated) is scored against it too.
        let question = rows[0]["question"] as! String
        #expect(rows[1]["question"] as? String == question)
        let passages = [rows[1], rows[0]].map { $0["passage"] as! String }
        let expected = [rows[1], rows[0]].map { ($0["logits"] as! [NSNumber])[0].floatValue }
        let chunks = passages.enumerated().map { storedChunk(Int64($0), document: "d\($0)", text: $1) }

        let reranker = try CrossEncoderReranker(directory: folder, batchSize: 1, threads: 2)
        #expect(reranker.name == "cross-encoder")
        let scores = try reranker.scores(question: question, passages: chunks)
        #expect(scores.count == 2)
        for (got, want) in zip(scores, expected) { #expect(abs(got - want) <= 1e-4, "\(got) vs numpy \(want)") }

        // Batched with a long passage: same scores, still in input order.
        let long = storedChunk(9, document: "d9", text: rows[6]["passage"] as! String)
        var batched = reranker.model
        batched.batchSize = 16
        let three = try CrossEncoderReranker(batched).scores(question: question, passages: chunks + [long])
        // Two batch shapes round differently (AVX2 vs AVX-512 kernels, packed rows): a tolerance, never ==.
        for (got, single) in zip(three.prefix(2), scores) { #expect(abs(got - single) <= 1e-5, "\(got) vs \(single)") }
        #expect(abs(three[2] - scores[0]) > 1e-3 && abs(three[2] - scores[1]) > 1e-3)
    }

    @Test(.needsMiniLM) func folderWithoutClassifierIsAnError() throws {
        let folder = TestModels.directory.folder(for: ModelCatalog.minilm)
        let error = #expect(throws: ModelError.self) { try CrossEncoderReranker(directory: folder) }
        #expect(error?.description.contains("'classifier.weight' is missing") == true)
        #expect(error?.description.contains(folder.appendingPathComponent("model.safetensors").path) == true)
    }
}
