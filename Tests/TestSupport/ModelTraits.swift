import Foundation
import RagTuneModels
import Testing

/// Which installed models the tests may use. A test that needs a model carries its trait
/// (`@Test(.needsMiniLM)`): without the model it shows as skipped with the reason, never as passed.
/// With `RAGTUNE_REQUIRE_MODELS=1` (CI) the test runs anyway, and a missing model fails it.
public enum TestModels {
    /// Whether a missing model is a failure (`RAGTUNE_REQUIRE_MODELS=1`) rather than a skip.
    public static let required = ProcessInfo.processInfo.environment["RAGTUNE_REQUIRE_MODELS"] == "1"

    /// Where the models are looked for (`$RAGTUNE_HOME/models`, default `~/.cache/ragtune/models`).
    public static var directory: ModelDirectory { ModelDirectory() }

    /// Whether a test needing `spec` should run: it is installed, or models are required.
    public static func shouldRun(_ spec: ModelSpec) -> Bool { directory.isInstalled(spec) || required }

    /// The skip message for a test needing `spec`.
    public static func skipReason(_ spec: ModelSpec) -> Comment {
        Comment(rawValue: "skipped: \(spec.name) is not installed under \(directory.root.path) "
                + "(`ragtune models install \(spec.name)`, or set RAGTUNE_HOME)")
    }
}

extension Trait where Self == ConditionTrait {
    /// Runs the test when all-MiniLM-L6-v2 is installed (or models are required).
    public static var needsMiniLM: Self {
        .enabled(if: TestModels.shouldRun(ModelCatalog.minilm), TestModels.skipReason(ModelCatalog.minilm))
    }

    /// Runs the test when SmolLM2 is installed (or models are required).
    public static var needsSmolLM2: Self {
        .enabled(if: TestModels.shouldRun(ModelCatalog.smollm2), TestModels.skipReason(ModelCatalog.smollm2))
    }
}

/// The llama-cpp-python venv `scripts/setup_llama_cpp.sh` builds (the reference server and
/// llama.cpp bindings some tests compare against). Tests that need it carry
/// `.needsLlamaCppPython`; with `RAGTUNE_REQUIRE_SERVER=1` (CI) they run, and a missing venv fails them.
public enum TestServer {
    /// Whether a missing venv is a failure rather than a skip.
    public static let required = ProcessInfo.processInfo.environment["RAGTUNE_REQUIRE_SERVER"] == "1"

    /// The venv's interpreter (`$RAGTUNE_BENCH_CACHE/venv/bin/python`, default under `~/.cache/ragtune-bench`).
    public static let python = URL(fileURLWithPath: ProcessInfo.processInfo.environment["RAGTUNE_BENCH_CACHE"]
                                       ?? NSHomeDirectory() + "/.cache/ragtune-bench").appendingPathComponent("venv/bin/python")

    /// Whether the venv and SmolLM2 (which every such test serves) are there.
    public static var available: Bool {
        FileManager.default.isExecutableFile(atPath: python.path) && TestModels.directory.isInstalled(ModelCatalog.smollm2)
    }

    /// Whether `python -c "import <modules>"` succeeds (e.g. `"llama_cpp.server, uvicorn"`).
    public static func canImport(_ modules: String) throws -> Bool {
        let probe = Process()
        probe.executableURL = python
        probe.arguments = ["-c", "import \(modules)"]
        probe.standardError = FileHandle.nullDevice
        try probe.run()
        probe.waitUntilExit()
        return probe.terminationStatus == 0
    }
}

extension Trait where Self == ConditionTrait {
    /// Runs the test when llama-cpp-python's venv and SmolLM2 are there (or the server is required).
    public static var needsLlamaCppPython: Self {
        .enabled(if: TestServer.available || TestServer.required,
                 Comment(rawValue: "skipped: needs smollm2 and \(TestServer.python.path) with llama-cpp-python "
                         + "(bash scripts/setup_llama_cpp.sh)"))
    }
}
