import Foundation
import RagTuneModelFiles
import Testing
@testable import RagTuneTokenizers

/// Where the tests find golden fixtures (in the repository) and model files (installed under
/// `$RAGTUNE_HOME/models`, `RAGTUNE_HOME` defaulting to `~/.cache/ragtune`).
///
/// Tests that need a model are skipped when it is missing, unless `RAGTUNE_REQUIRE_MODELS=1`,
/// in which case they run and fail.
enum TestResources {
    /// `Tests/Fixtures`, found from this file's path.
    static let fixtures = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Fixtures")

    static let home: URL = {
        let environment = ProcessInfo.processInfo.environment
        if let path = environment["RAGTUNE_HOME"], !path.isEmpty { return URL(fileURLWithPath: path) }
        return FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(".cache/ragtune")
    }()

    static let requireModels = ProcessInfo.processInfo.environment["RAGTUNE_REQUIRE_MODELS"] == "1"

    static let miniLMTokenizerURL = home.appendingPathComponent("models/minilm/tokenizer.json")

    /// The first `.gguf` file in `models/smollm2`.
    static let smolLM2URL: URL? = {
        let directory = home.appendingPathComponent("models/smollm2")
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        return names.sorted().first { $0.hasSuffix(".gguf") }.map { directory.appendingPathComponent($0) }
    }()

    static var hasMiniLM: Bool { FileManager.default.fileExists(atPath: miniLMTokenizerURL.path) }
    static var hasSmolLM2: Bool { smolLM2URL != nil }

    static let miniLM = Result { try WordPieceTokenizer(tokenizerJSON: miniLMTokenizerURL) }
    static let smolLM2GGUF = Result { () throws -> GGUFFile in
        guard let url = smolLM2URL else {
            throw TokenizerError.unreadable(file: home.appendingPathComponent("models/smollm2").path,
                                            reason: "no .gguf file")
        }
        return try GGUFFile(url: url)
    }
    static let smolLM2 = Result { try BPETokenizer(gguf: smolLM2GGUF.get()) }

    /// Decodes every line of a JSON Lines fixture, e.g. `"minilm/sentences.jsonl"`.
    static func jsonLines<Row: Decodable>(_ path: String, as type: Row.Type) -> [Row] {
        let url = fixtures.appendingPathComponent(path)
        guard let text = try? String(contentsOf: url, encoding: .utf8) else { return [] }
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        return text.split(separator: "\n").compactMap { try? decoder.decode(Row.self, from: Data($0.utf8)) }
    }
}
