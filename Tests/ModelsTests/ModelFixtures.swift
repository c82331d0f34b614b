import Foundation
import RagTuneModels

/// Locates golden fixtures (Tests/Fixtures) for tests; installed models come from `TestModels`.
enum ModelFixtures {
    static let fixtures = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Fixtures")

    /// Lines of a JSONL fixture as dictionaries.
    static func jsonl(_ relativePath: String) throws -> [[String: Any]] {
        let text = try String(contentsOf: fixtures.appendingPathComponent(relativePath), encoding: .utf8)
        return try text.split(separator: "\n").map {
            try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any]
        }
    }
}
