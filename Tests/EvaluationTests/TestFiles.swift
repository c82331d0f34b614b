import Foundation
import Testing
@testable import RagTuneEvaluation

/// Temporary input files for loader tests, and the paths of the golden fixtures.
enum TestFiles {
    /// `Tests/EvaluationTests/Fixtures`, found from this file's path.
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")

    /// `shared/data/scifact` next to the package, present on the project's machines only.
    static let sciFact = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("shared/data/scifact")
    static var hasSciFact: Bool { FileManager.default.fileExists(atPath: sciFact.appendingPathComponent("corpus.jsonl").path) }

    /// Writes `contents` to a fresh temporary file named `name`, runs `body` with its URL, then deletes it.
    static func with<T>(_ contents: String, name: String = "input.txt", _ body: (URL) throws -> T) throws -> T {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("ragtune-evaluation-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = directory.appendingPathComponent(name)
        try Data(contents.utf8).write(to: url)
        return try body(url)
    }

    /// The description of the `EvaluationError` that `body` throws, or `nil` if it throws nothing.
    static func errorText(_ body: () throws -> Void) -> String? {
        do { try body() } catch let error as EvaluationError { return error.description } catch { return "\(error)" }
        return nil
    }
}
