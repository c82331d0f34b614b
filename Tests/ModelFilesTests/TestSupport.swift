import Foundation
import Testing
import RagTuneTensor
@testable import RagTuneModelFiles

/// The real model files, installed under `$RAGTUNE_HOME/models` (default `~/.cache/ragtune`).
/// Tests that need them are skipped with a note when they are absent, unless
/// `RAGTUNE_REQUIRE_MODELS=1`, in which case they run and fail on the missing file.
enum TestModels {
    static var home: URL {
        if let home = ProcessInfo.processInfo.environment["RAGTUNE_HOME"], !home.isEmpty {
            return URL(fileURLWithPath: home)
        }
        return FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(".cache/ragtune")
    }

    static var smolLM2: URL { home.appendingPathComponent("models/smollm2/SmolLM2-135M-Instruct.Q4_1.gguf") }
    static var miniLM: URL { home.appendingPathComponent("models/minilm/model.safetensors") }

    static var required: Bool { ProcessInfo.processInfo.environment["RAGTUNE_REQUIRE_MODELS"] == "1" }

    /// Whether a test using `url` should run: the file exists, or models are required.
    static func shouldRun(_ url: URL) -> Bool {
        FileManager.default.fileExists(atPath: url.path) || required
    }

    /// Why a test was skipped.
    static func skipComment(_ url: URL) -> Comment {
        Comment(rawValue: "\(url.path) not found (install it, or set RAGTUNE_HOME; "
            + "RAGTUNE_REQUIRE_MODELS=1 makes this a failure)")
    }

    /// `url` when it exists; otherwise records a failure (only reached when models are required).
    static func require(_ url: URL) throws -> URL {
        try #require(FileManager.default.fileExists(atPath: url.path),
                     "model file \(url.path) is missing and RAGTUNE_REQUIRE_MODELS=1")
        return url
    }
}

/// A fresh temporary directory, removed by the caller with `cleanup`.
func makeTemporaryDirectory() throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("ragtune-modelfiles-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

/// Runs `body`, expecting a `ModelFilesError`; returns it (nil, with an issue recorded, otherwise).
@discardableResult
func expectModelFilesError(_ comment: Comment? = nil, sourceLocation: SourceLocation = #_sourceLocation,
                           _ body: () throws -> Void) -> ModelFilesError? {
    do {
        try body()
        Issue.record("expected a ModelFilesError, but nothing was thrown. \(comment?.description ?? "")",
                     sourceLocation: sourceLocation)
    } catch let error as ModelFilesError {
        return error
    } catch {
        Issue.record("expected a ModelFilesError, got \(error). \(comment?.description ?? "")", sourceLocation: sourceLocation)
    }
    return nil
}

/// Deterministic pseudo-random floats in [-scale, scale].
func randomFloats(_ count: Int, seed: UInt64, scale: Float = 1) -> [Float] {
    var rng = SplitMix64(seed: seed)
    return (0..<count).map { _ in Float.random(in: -scale...scale, using: &rng) }
}

/// Small valid files built with the writers: the inputs of the round-trip and fuzz tests.
enum Fixtures {
    /// Metadata of every GGUF value type, including nested and empty arrays.
    static let ggufMetadata: [(String, GGUFValue)] = [
        ("general.architecture", .string("llama")),
        ("general.name", .string("tiny ✓ model")),
        ("test.u8", .uint8(200)), ("test.i8", .int8(-100)),
        ("test.u16", .uint16(60000)), ("test.i16", .int16(-30000)),
        ("test.u32", .uint32(4_000_000_000)), ("test.i32", .int32(-2_000_000_000)),
        ("test.u64", .uint64(.max)), ("test.i64", .int64(.min)),
        ("test.f32", .float32(0.1)), ("test.f64", .float64(-1e300)),
        ("test.bool", .bool(true)), ("test.false", .bool(false)),
        ("test.empty_string", .string("")),
        ("test.strings", .array([.string("a"), .string("Ġhello"), .string("")])),
        ("test.ints", .array([.int32(1), .int32(-2), .int32(3)])),
        ("test.nested", .array([.array([.uint8(1), .uint8(2)]), .array([]), .array([.uint8(3)])])),
        ("test.empty", .array([])),
        ("llama.block_count", .uint32(2)),
    ]

    /// (name, GGUF dimensions, type) of the fixture tensors.
    static let ggufTensors: [(String, [Int], QuantType)] = [
        ("f32.weight", [5, 3], .f32), ("f16.weight", [7], .f16), ("bf16.weight", [4, 2], .bf16),
        ("q4_0.weight", [64, 2], .q4_0), ("q4_1.weight", [32, 3], .q4_1), ("q8_0.weight", [32, 1, 1, 2], .q8_0),
        ("empty.weight", [32, 0], .q4_1),
    ]

    static func ggufWriter(alignment: Int = 32) throws -> GGUFWriter {
        var writer = GGUFWriter(alignment: alignment)
        for (key, value) in ggufMetadata { writer.setMetadata(key, value) }
        for (i, (name, dimensions, type)) in ggufTensors.enumerated() {
            let count = dimensions.reduce(1, *)
            try writer.addTensor(name: name, dimensions: dimensions, type: type,
                                 floats: randomFloats(count, seed: UInt64(i) + 1))
        }
        return writer
    }

    static func ggufBytes() throws -> [UInt8] { try ggufWriter().serialized() }

    static func safetensorsWriter() throws -> SafetensorsWriter {
        var writer = SafetensorsWriter(metadata: ["format": "pt", "note": "quote \" and \\ and\nnewline"])
        try writer.add(name: "a.weight", dtype: .f32, shape: [3, 4], floats: randomFloats(12, seed: 1))
        try writer.add(name: "b.half", dtype: .f16, shape: [5], floats: randomFloats(5, seed: 2))
        try writer.add(name: "c.bf16", dtype: .bf16, shape: [2, 1, 3], floats: randomFloats(6, seed: 3))
        try writer.add(name: "d.scalar", dtype: .f32, shape: [], floats: [42])
        try writer.add(name: "e.empty", dtype: .f32, shape: [0, 3], floats: [])
        try writer.add(name: "f.ids", dtype: .i64, shape: [3],
                       bytes: [1, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 3, 0, 0, 0, 0, 0, 0, 0])
        return writer
    }

    static func safetensorsBytes() throws -> [UInt8] { try safetensorsWriter().serialized() }
}
