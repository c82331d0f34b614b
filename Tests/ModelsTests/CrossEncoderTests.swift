import Foundation
import Testing
import RagTuneTensor
import RagTuneTestSupport
import RagTuneModelFiles
@testable import RagTuneModels

/// One line of Tests/Fixtures/cross-encoder/pairs.jsonl (numpy float64 reference).
struct CrossEncoderPair {
    var question: String, passage: String
    var ids: [Int], tokenTypeIds: [Int]
    var logits: [Float]
    var pooled: [Float]?
    var untruncatedLength: Int

    static func all() throws -> [CrossEncoderPair] {
        try ModelFixtures.jsonl("cross-encoder/pairs.jsonl").map {
            CrossEncoderPair(question: $0["question"] as! String, passage: $0["passage"] as! String,
                             ids: ($0["ids"] as! [NSNumber]).map(\.intValue),
                             tokenTypeIds: ($0["token_type_ids"] as! [NSNumber]).map(\.intValue),
                             logits: ($0["logits"] as! [NSNumber]).map(\.floatValue),
                             pooled: ($0["pooled"] as? [NSNumber])?.map(\.floatValue),
                             untruncatedLength: ($0["untruncated_length"] as! NSNumber).intValue)
        }
    }
}

/// The MiniLM-based fixture cross-encoder against scripts/cross_encoder_reference.py.
@Suite(.serialized) struct CrossEncoderTests {
    /// The fixture checkpoint, built from the installed MiniLM into a temporary folder, loaded through
    /// `CrossEncoder(directory:)`, with the SHA-256 of its safetensors file; the folder is removed after loading.
    static let fixture: Result<(model: CrossEncoder, sha256: String), any Error> = {
        let directory = TestModels.directory
        return Result {
            let folder = try CrossEncoderFixture.temporaryDirectory("cross-encoder")
            defer { try? FileManager.default.removeItem(at: folder) }
            try CrossEncoderFixture.miniLM(from: directory.folder(for: ModelCatalog.minilm), into: folder)
            let sha = try SHA256.hexDigest(ofFile: folder.appendingPathComponent("model.safetensors"))
            return (try CrossEncoder(directory: folder, batchSize: 3, threads: 2), sha)
        }
    }()

    static func head() throws -> [String: Any] {
        let data = try Data(contentsOf: ModelFixtures.fixtures.appendingPathComponent("cross-encoder/head.json"))
        return try JSONSerialization.jsonObject(with: data) as! [String: Any]
    }

    @Test func seededHeadMatchesPythonSplitMix64() throws {
        let reference = try Self.head()
        #expect((reference["seed"] as! NSNumber).uint64Value == CrossEncoderFixture.seed)
        let (weight, bias) = CrossEncoderFixture.head()
        #expect(weight == (reference["classifier_weight"] as! [NSNumber]).map(\.floatValue))
        #expect(bias == (reference["classifier_bias"] as! [NSNumber]).map(\.floatValue))
    }

    @Test(.needsMiniLM) func builtCheckpointIsByteIdenticalToThePythonOne() throws {
        let fixture = try Self.fixture.get()
        let expected = try Self.head()["checkpoint_sha256"] as? String
        #expect(fixture.sha256 == expected)
        #expect(fixture.model.classifier.labelCount == 1)
        #expect(fixture.model.tokenizer.maxLength == 512)
    }

    @Test(.needsMiniLM) func pairTokensMatchReferenceExactly() throws {
        let model = try Self.fixture.get().model
        let pairs = try CrossEncoderPair.all()
        #expect(pairs.count == 8)
        #expect(pairs.filter { $0.untruncatedLength > 512 }.count == 2)
        let encoded = model.encode(pairs.map { ($0.question, $0.passage) })
        for (i, (pair, got)) in zip(pairs, encoded).enumerated() {
            #expect(got.ids == pair.ids, "pair \(i)")
            #expect(got.tokenTypeIds == pair.tokenTypeIds, "pair \(i)")
        }
    }

    @Test(.needsMiniLM) func logitsMatchNumpyWithinTolerance() throws {
        let model = try Self.fixture.get().model
        let pairs = try CrossEncoderPair.all()
        // Batches of 3, sorted by length: the two 512-token pairs share a packed batch.
        let logits = try model.logits(pairs.map { ($0.question, $0.passage) })
        var worst: Float = 0
        for (i, (pair, got)) in zip(pairs, logits).enumerated() {
            let diff = zip(got, pair.logits).map { abs($0 - $1) }.max()!
            worst = max(worst, diff)
            #expect(got.count == 1 && diff <= 1e-4, "pair \(i): \(got) vs \(pair.logits)")
        }
        print("cross-encoder golden: worst abs logit difference \(worst) over \(pairs.count) pairs")
        let scores = try model.scores(query: pairs[0].question, passages: [pairs[0].passage, pairs[1].passage])
        #expect(scores == [logits[0][0], logits[1][0]])
    }

    @Test(.needsMiniLM) func pooledOutputMatchesNumpy() throws {
        let model = try Self.fixture.get().model
        let pair = try CrossEncoderPair.all()[0]
        let expected = try #require(pair.pooled)
        let (pooled, _) = try model.classifier.pooledAndLogits([pair.ids], tokenTypes: [pair.tokenTypeIds], threads: 1)
        let diff = zip(pooled[0], expected).map { abs($0 - $1) }.max()!
        #expect(pooled[0].count == 384 && diff <= 1e-4, "pooled max abs difference \(diff)")
    }

    @Test(.needsMiniLM) func tokenTypesChangeTheResult() throws {
        let model = try Self.fixture.get().model
        let pair = try CrossEncoderPair.all()[0]
        let allZero = Array(repeating: 0, count: pair.ids.count)
        let typed = try model.classifier.logits([pair.ids], tokenTypes: [pair.tokenTypeIds], threads: 2)[0][0]
        let untyped = try model.classifier.logits([pair.ids], tokenTypes: [allZero], threads: 2)[0][0]
        #expect(abs(typed - untyped) > 1e-3, "type ids 1 must change the logit: \(typed) vs \(untyped)")
    }
}

/// Loading and running `BertSequenceClassifier`/`CrossEncoder` on tiny random checkpoints (no model needed).
@Suite struct CrossEncoderLoadingTests {
    let directory: URL
    init() throws { directory = try CrossEncoderFixture.temporaryDirectory("tiny-cross-encoder") }

    private func load(_ name: String, labels: Int = 1) throws -> BertSequenceClassifier {
        try BertSequenceClassifier(config: CrossEncoderFixture.tinyConfig, labelCount: labels,
                                   weights: directory.appendingPathComponent(name))
    }

    private let batch = [[1, 5, 9, 2, 7, 8, 2], [1, 3, 2, 4, 2]]
    private let types = [[0, 0, 0, 0, 1, 1, 1], [0, 0, 0, 1, 1]]

    @Test func prefixedAndUnprefixedNamesLoadTheSameModel() throws {
        defer { try? FileManager.default.removeItem(at: directory) }
        try CrossEncoderFixture.tiny(into: directory.appendingPathComponent("bert.safetensors"), prefix: "bert.")
        try CrossEncoderFixture.tiny(into: directory.appendingPathComponent("plain.safetensors"), prefix: "")
        let prefixed = try load("bert.safetensors").logits(batch, tokenTypes: types, threads: 2)
        let plain = try load("plain.safetensors").logits(batch, tokenTypes: types, threads: 2)
        #expect(prefixed == plain)
        #expect(prefixed.count == 2 && prefixed.allSatisfy { $0.count == 1 })
    }

    @Test func packedBatchEqualsSingleRuns() throws {
        defer { try? FileManager.default.removeItem(at: directory) }
        try CrossEncoderFixture.tiny(into: directory.appendingPathComponent("m.safetensors"), labels: 3)
        let model = try load("m.safetensors", labels: 3)
        let batched = try model.logits(batch, tokenTypes: types, threads: 2)
        for i in batch.indices {
            let single = try model.logits([batch[i]], tokenTypes: [types[i]], threads: 1)[0]
            #expect(zip(single, batched[i]).allSatisfy { abs($0 - $1) <= 1e-6 }, "sequence \(i)")
        }
        #expect(batched[0].count == 3)
    }

    @Test func missingClassifierNamesFileAndTensor() throws {
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = directory.appendingPathComponent("encoder.safetensors")
        try CrossEncoderFixture.tiny(into: url, labels: nil)
        let error = #expect(throws: ModelError.self) { try load("encoder.safetensors") }
        guard case .missingTensor(let file, let name)? = error else { Issue.record("got \(String(describing: error))"); return }
        #expect(file == url.path && name == "classifier.weight")
        #expect(error!.description.contains(url.path) && error!.description.contains("'classifier.weight'"))
    }

    @Test func missingPoolerNamesTheFullPrefixedName() throws {
        defer { try? FileManager.default.removeItem(at: directory) }
        try CrossEncoderFixture.tiny(into: directory.appendingPathComponent("m.safetensors"),
                                     omit: ["bert.pooler.dense.weight"])
        let error = #expect(throws: ModelError.self) { try load("m.safetensors") }
        #expect(error?.description.contains("'bert.pooler.dense.weight' is missing") == true, "\(String(describing: error))")
    }

    @Test func wrongShapedClassifierIsAnError() throws {
        defer { try? FileManager.default.removeItem(at: directory) }
        try CrossEncoderFixture.tiny(into: directory.appendingPathComponent("m.safetensors"), labels: 2)
        let error = #expect(throws: ModelError.self) { try load("m.safetensors", labels: 1) }
        guard case .wrongShape(_, let name, let expected, let actual)? = error else {
            Issue.record("got \(String(describing: error))"); return
        }
        #expect(name == "classifier.weight" && expected == [1, 16] && actual == [2, 16])
    }

    @Test func encoderFolderWithoutClassifierFailsToLoadAsCrossEncoder() throws {
        defer { try? FileManager.default.removeItem(at: directory) }
        try CrossEncoderFixture.tiny(into: directory.appendingPathComponent("model.safetensors"), prefix: "", labels: nil)
        let config = try JSONEncoder().encode(CrossEncoderFixture.tinyConfig)
        try config.write(to: directory.appendingPathComponent("config.json"))
        let error = #expect(throws: ModelError.self) { try CrossEncoder(directory: directory) }
        #expect(error?.description.contains("'classifier.weight' is missing") == true, "\(String(describing: error))")
    }

    @Test func badTokenTypesAreErrors() throws {
        defer { try? FileManager.default.removeItem(at: directory) }
        try CrossEncoderFixture.tiny(into: directory.appendingPathComponent("m.safetensors"))
        let model = try load("m.safetensors")
        #expect(throws: ModelError.self) { try model.logits(batch, tokenTypes: [types[0]], threads: 1) }
        #expect(throws: ModelError.self) { try model.logits([[1, 2, 3]], tokenTypes: [[0, 1]], threads: 1) }
        #expect(throws: ModelError.self) { try model.logits([[1, 2, 3]], tokenTypes: [[0, 1, 2]], threads: 1) }
        #expect(throws: ModelError.self) { try model.encoder.hiddenStates([[1, 2]], tokenTypes: [[0, -1]], threads: 1) }
    }

    @Test func typeZeroPathEqualsExplicitZeroTypes() throws {
        defer { try? FileManager.default.removeItem(at: directory) }
        try CrossEncoderFixture.tiny(into: directory.appendingPathComponent("m.safetensors"))
        let encoder = try load("m.safetensors").encoder
        let implicit = try encoder.hiddenStates(batch, threads: 2)
        let explicit = try encoder.hiddenStates(batch, tokenTypes: batch.map { $0.map { _ in 0 } }, threads: 2)
        let typed = try encoder.hiddenStates(batch, tokenTypes: types, threads: 2)
        #expect(implicit.storage == explicit.storage)
        let typeEffect = zip(implicit.storage, typed.storage).map { abs($0 - $1) }.max()!
        #expect(typeEffect > 1e-3, "type ids 1 must change the hidden states")
    }
}

/// Label counts and relevance scores (hand-computed).
@Suite struct CrossEncoderScoringTests {
    @Test func relevanceIsTheLogitOrTheLastLabelsProbability() {
        #expect(CrossEncoder.relevance(logits: [-2.5]) == -2.5)
        #expect(abs(CrossEncoder.relevance(logits: [0, log(3)]) - 0.75) < 1e-6)
        #expect(abs(CrossEncoder.relevance(logits: [1, 1, 1]) - 1.0 / 3) < 1e-6)
    }

    @Test(arguments: [("{\"num_labels\": 2}", 2), ("{\"id2label\": {\"0\": \"no\", \"1\": \"yes\", \"2\": \"maybe\"}}", 3),
                      ("{\"hidden_size\": 384}", 1)])
    func labelCountFromConfig(json: String, expected: Int) throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("ragtune-labels-\(UUID().uuidString).json")
        defer { try? FileManager.default.removeItem(at: url) }
        try Data(json.utf8).write(to: url)
        #expect(try CrossEncoder.labelCount(configJSON: url) == expected)
    }

    @Test func zeroLabelsIsAnInvalidConfig() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("ragtune-labels-\(UUID().uuidString).json")
        defer { try? FileManager.default.removeItem(at: url) }
        try Data("{\"num_labels\": 0}".utf8).write(to: url)
        #expect(throws: ModelError.self) { try CrossEncoder.labelCount(configJSON: url) }
    }
}
