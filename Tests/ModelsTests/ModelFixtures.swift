import Foundation
import RagTuneModels

/// Locates golden fixtures (Tests/Fixtures) and installed models for tests.
enum ModelFixtures {
    static let fixtures = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Fixtures")

    /// The installed model directory, or nil when `spec` is not installed. With
    /// RAGTUNE_REQUIRE_MODELS=1 (CI) a missing model is a failure, not a skip.
    static func installed(_ spec: ModelSpec) -> ModelDirectory? {
        let directory = ModelDirectory()
        if directory.isInstalled(spec) { return directory }
        let message = "model \(spec.name) not installed under \(directory.root.path): run `ragtune models install \(spec.name)`"
        if ProcessInfo.processInfo.environment["RAGTUNE_REQUIRE_MODELS"] == "1" {
            fatalError("RAGTUNE_REQUIRE_MODELS=1 but \(message)")
        }
        print("SKIP: \(message)")
        return nil
    }

    /// Lines of a JSONL fixture as dictionaries.
    static func jsonl(_ relativePath: String) throws -> [[String: Any]] {
        let text = try String(contentsOf: fixtures.appendingPathComponent(relativePath), encoding: .utf8)
        return try text.split(separator: "\n").map {
            try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any]
        }
    }
}
