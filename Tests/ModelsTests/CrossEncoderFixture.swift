import Foundation
import RagTuneModelFiles
import RagTuneModels
import RagTuneTensor

/// Cross-encoder checkpoints built at test time.
///
/// `miniLM(from:into:)` builds the checkpoint of Tests/Fixtures/cross-encoder (≈90 MB, not committed):
/// every all-MiniLM-L6-v2 tensor under `bert.` plus a seeded classifier head, byte for byte as
/// `scripts/cross_encoder_reference.py` writes it. `tiny(into:…)` writes a small random BERT
/// classifier for loader tests.
enum CrossEncoderFixture {
    /// Seed of the fixture head (`--seed` of the reference script).
    static let seed: UInt64 = 42

    /// `classifier.weight [labels, hidden]` then `classifier.bias [labels]`, uniform in [-0.1, 0.1)
    /// from one SplitMix64 stream.
    static func head(labels: Int = 1, hidden: Int = 384, seed: UInt64 = seed) -> (weight: [Float], bias: [Float]) {
        var random = SplitMix64(seed: seed)
        let weight = random.floats(labels * hidden, -0.1, 0.1)
        return (weight, random.floats(labels, -0.1, 0.1))
    }

    /// Writes `model.safetensors` (MiniLM under `bert.` + head), `config.json` (num_labels 1) and
    /// `tokenizer.json` into `directory`.
    static func miniLM(from model: URL, into directory: URL) throws {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let source = try SafetensorsFile(url: model.appendingPathComponent("model.safetensors"))
        var writer = SafetensorsWriter(metadata: source.metadata)
        for name in source.tensorNames {
            let info = try source.requireInfo(name)
            let bytes = try source.withTensorBytes(name) { Array($0) }
            try writer.add(name: "bert." + name, dtype: info.dtype, shape: info.shape, bytes: bytes)
        }
        let (weight, bias) = head()
        try writer.add(name: "classifier.weight", dtype: .f32, shape: [1, 384], floats: weight)
        try writer.add(name: "classifier.bias", dtype: .f32, shape: [1], floats: bias)
        try writer.write(to: directory.appendingPathComponent("model.safetensors"))

        let configData = try Data(contentsOf: model.appendingPathComponent("config.json"))
        var config = try JSONSerialization.jsonObject(with: configData) as! [String: Any]
        config["architectures"] = ["BertForSequenceClassification"]
        config["num_labels"] = 1
        config["id2label"] = ["0": "LABEL_0"]
        config["label2id"] = ["LABEL_0": 0]
        try JSONSerialization.data(withJSONObject: config, options: [.prettyPrinted, .sortedKeys])
            .write(to: directory.appendingPathComponent("config.json"))
        try FileManager.default.copyItem(at: model.appendingPathComponent("tokenizer.json"),
                                         to: directory.appendingPathComponent("tokenizer.json"))
    }

    /// A tiny BERT (vocab 40, hidden 16, 1 layer, 1 head, FFN 32, 16 positions).
    static let tinyConfig = BertConfig(vocabularySize: 40, hiddenSize: 16, layerCount: 1, headCount: 1,
                                       intermediateSize: 32, maxPositions: 16, tokenTypeCount: 2,
                                       layerNormEpsilon: 1e-12)

    /// Writes a random tiny `BertForSequenceClassification` safetensors file.
    /// - Parameters:
    ///   - prefix: the encoder's name prefix (`"bert."` or `""`).
    ///   - labels: rows of the classifier; nil leaves the head out.
    ///   - omit: tensor names (full) to leave out.
    ///   - reshape: tensor names (full) to write with another shape.
    static func tiny(into url: URL, prefix: String = "bert.", labels: Int? = 1, omit: Set<String> = [],
                     reshape: [String: [Int]] = [:]) throws {
        let c = tinyConfig, h = c.hiddenSize, ff = c.intermediateSize
        var shapes: [(String, [Int])] = [
            ("embeddings.word_embeddings.weight", [c.vocabularySize, h]),
            ("embeddings.position_embeddings.weight", [c.maxPositions, h]),
            ("embeddings.token_type_embeddings.weight", [c.tokenTypeCount, h]),
            ("embeddings.LayerNorm.weight", [h]), ("embeddings.LayerNorm.bias", [h]),
            ("pooler.dense.weight", [h, h]), ("pooler.dense.bias", [h]),
        ]
        let layer = "encoder.layer.0."
        for part in ["query", "key", "value"] {
            shapes += [(layer + "attention.self.\(part).weight", [h, h]), (layer + "attention.self.\(part).bias", [h])]
        }
        shapes += [
            (layer + "attention.output.dense.weight", [h, h]), (layer + "attention.output.dense.bias", [h]),
            (layer + "attention.output.LayerNorm.weight", [h]), (layer + "attention.output.LayerNorm.bias", [h]),
            (layer + "intermediate.dense.weight", [ff, h]), (layer + "intermediate.dense.bias", [ff]),
            (layer + "output.dense.weight", [h, ff]), (layer + "output.dense.bias", [h]),
            (layer + "output.LayerNorm.weight", [h]), (layer + "output.LayerNorm.bias", [h]),
        ]
        shapes = shapes.map { (prefix + $0.0, $0.1) }
        if let labels { shapes += [("classifier.weight", [labels, h]), ("classifier.bias", [labels])] }
        var random = SplitMix64(seed: 7)
        var writer = SafetensorsWriter()
        for (name, defaultShape) in shapes where !omit.contains(name) {
            let shape = reshape[name] ?? defaultShape
            let values = random.floats(shape.reduce(1, *), -0.5, 0.5)
            try writer.add(name: name, dtype: .f32, shape: shape, floats: name.hasSuffix("LayerNorm.weight") ? values.map { 1 + $0 } : values)
        }
        try writer.write(to: url)
    }

    /// A fresh, empty temporary directory.
    static func temporaryDirectory(_ label: String) throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("ragtune-\(label)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }
}
