import Foundation
import Testing

/// `value` encoded as the commands encode it, read back as a JSON object (tests only: the keys
/// are what Benchmarks/*.sh and other readers depend on).
func jsonObject<T: Encodable>(_ value: T) throws -> [String: Any] {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    return try #require(try JSONSerialization.jsonObject(with: encoder.encode(value)) as? [String: Any])
}

/// The sorted keys of a JSON object (empty when `object` is none).
func keys(_ object: Any?) -> [String] {
    (object as? [String: Any]).map { $0.keys.sorted() } ?? []
}

/// The sorted keys of the first object of a JSON array.
func firstKeys(_ array: Any?) -> [String] {
    keys((array as? [Any])?.first)
}

/// A temporary folder, removed by the caller.
func scratchFolder(_ name: String) throws -> URL {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("ragtune-\(name)-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    return dir
}

/// The machine keys every report carries.
let machineKeys = ["OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE", "cpu", "logical_cores", "openblas_config", "openblas_core", "simd"]
