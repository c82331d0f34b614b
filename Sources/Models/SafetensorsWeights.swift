import Foundation
import RagTuneModelFiles

/// Float weights read by name from one safetensors file, every name and shape checked.
///
/// Names are Hugging Face's, with `prefix` put in front (`"bert."` for the encoder inside a
/// `BertForSequenceClassification` checkpoint, `""` for a bare `BertModel`). Errors name the file
/// and the full tensor name.
struct SafetensorsWeights {
    let file: SafetensorsFile
    /// The file's path, as errors show it.
    let path: String
    /// Put before every name looked up.
    let prefix: String

    /// Maps `url` and parses its header.
    init(url: URL, prefix: String = "") throws {
        try self.init(file: SafetensorsFile(url: url), path: url.path, prefix: prefix)
    }

    private init(file: SafetensorsFile, path: String, prefix: String) {
        self.file = file
        self.path = path
        self.prefix = prefix
    }

    /// The same file with another name prefix.
    func prefixed(_ prefix: String) -> SafetensorsWeights {
        SafetensorsWeights(file: file, path: path, prefix: prefix)
    }

    /// Whether `prefix + name` is in the file.
    func contains(_ name: String) -> Bool { file.info(prefix + name) != nil }

    /// The elements of `prefix + name` (F32, F16 or BF16) as Float32, row-major.
    /// - Throws: `ModelError.missingTensor` or `.wrongShape` naming the file and tensor.
    func tensor(_ name: String, _ shape: [Int]) throws -> [Float] {
        let fullName = prefix + name
        guard let info = file.info(fullName) else { throw ModelError.missingTensor(file: path, name: fullName) }
        guard info.shape == shape else {
            throw ModelError.wrongShape(file: path, name: fullName, expected: shape, actual: info.shape)
        }
        return try file.floats(fullName)
    }
}
