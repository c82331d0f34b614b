import Foundation

/// Turns what a user gives for a model (a catalog name such as `smollm2`, or a path) into the file
/// to load: the one place `finetune`'s `base_model`, `merge --base` and `--model-file` resolve.
public struct ModelLocator: Sendable {
    /// Where catalog models are installed.
    public let directory: ModelDirectory

    public init(directory: ModelDirectory = ModelDirectory()) {
        self.directory = directory
    }

    /// The weights file of `reference`: a catalog model's installed main file, else `reference`
    /// read as a path to an existing file.
    /// - Throws: `ModelInstallError.notInstalled` for a catalog model not installed;
    ///   `ModelError.notFound` naming `reference` when it is neither a catalog name nor a file.
    public func weightsFile(_ reference: String) throws -> URL {
        if let spec = ModelCatalog.named(reference) { return try directory.file(spec.weightsFile, of: spec) }
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: reference, isDirectory: &isDirectory), !isDirectory.boolValue else {
            throw ModelError.notFound(path: reference, reason: "neither a catalog model ("
                                      + ModelCatalog.all.map(\.name).joined(separator: ", ") + ") nor an existing GGUF file")
        }
        return URL(fileURLWithPath: reference)
    }

    /// An adapter path as given: a PEFT folder or a llama.cpp adapter file.
    public enum AdapterPath: Sendable, Equatable {
        /// A folder holding `adapter_config.json` and `adapter_model.safetensors`.
        case peftFolder(URL)
        /// A llama.cpp LoRA `.gguf` file.
        case ggufFile(URL)
    }

    /// Whether `path` is a folder (a PEFT adapter) or a file (a llama.cpp GGUF adapter).
    /// - Throws: `ModelError.notFound` naming `path` when nothing exists there.
    public func adapter(_ path: String) throws -> AdapterPath {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw ModelError.notFound(path: path, reason: "no such adapter directory or file")
        }
        let url = URL(fileURLWithPath: path, isDirectory: isDirectory.boolValue)
        return isDirectory.boolValue ? .peftFolder(url) : .ggufFile(url)
    }
}
