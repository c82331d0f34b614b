import Foundation
import Testing
import RagTuneTestSupport
@testable import RagTuneTraining

/// Loading a JSONL file: the first bad line stops it naming file:line, or is counted with
/// skipInvalid; splits are seeded and disjoint.
@Suite(.serialized) struct FineTuneDatasetTests {
    static func file(_ lines: [String]) throws -> String {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("ft-data-\(UUID().uuidString).jsonl")
        try Data(lines.joined(separator: "\n").utf8).write(to: url)
        return url.path
    }

    static let good = (0..<10).map { #"{"prompt": "Question \#($0)?", "completion": "Answer \#($0)."}"# }

    @Test(.needsSmolLM2) func firstBadLineStopsLoadingUnlessSkipped() throws {
        let encoder = try ChatExampleEncoderTests.encoder()
        let path = try Self.file(Self.good + ["", #"{"messages": [{"role": "robot", "content": "x"}]}"#, "not json",
                                              #"{"prompt": "q", "completion": ""}"#])
        #expect(throws: TrainingError.invalidExample(file: path, line: 12, field: "messages[0].role",
                                                     reason: "unknown role 'robot'; use system, user or assistant")) {
            try FineTuneDataset.load(path: path, encoder: encoder, skipInvalid: false)
        }
        let skipped = try FineTuneDataset.load(path: path, encoder: encoder, skipInvalid: true)
        #expect(skipped.examples.count == 10)
        #expect(skipped.skipped == ["invalid messages[0].role": 1, "invalid line": 1, "invalid completion": 1])
        #expect(skipped.examples.map(\.example.line) == Array(1...10))
    }

    @Test(.needsSmolLM2) func overLongExamplesAreTruncatedOrCountedAsSkipped() throws {
        let encoder = try ChatExampleEncoderTests.encoder(cutoff: 40)
        let long = #"{"prompt": "\#(String(repeating: "very long question ", count: 40))", "completion": "x"}"#
        let path = try Self.file(Self.good + [long])
        let dataset = try FineTuneDataset.load(path: path, encoder: encoder, skipInvalid: false)
        #expect(dataset.examples.count == 10 && dataset.skipped == ["too long": 1])
        #expect(dataset.examples.allSatisfy { $0.ids.count <= 40 })
    }

    @Test(.needsSmolLM2) func splitHoldsOutASeededSubset() throws {
        let encoder = try ChatExampleEncoderTests.encoder()
        let dataset = try FineTuneDataset.load(path: try Self.file(Self.good), encoder: encoder, skipInvalid: false)
        let (train, eval) = try dataset.split(evalSize: 0.3, seed: 5)
        #expect(train.examples.count == 7 && eval.examples.count == 3)
        #expect(Set(train.examples.map(\.example.line)).isDisjoint(with: eval.examples.map(\.example.line)))
        #expect(try dataset.split(evalSize: 0.3, seed: 5).eval.examples == eval.examples)
        #expect(try dataset.split(evalSize: 2, seed: 5).eval.examples.count == 2)
        #expect(throws: TrainingError.self) { try dataset.split(evalSize: 10, seed: 5) }
    }
}
