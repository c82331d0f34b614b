import Foundation
import RagTuneModelFiles

/// Minimal JSON writing with exact float formatting (shortest round-trip form, as Swift prints).
enum JSONText {
    /// A JSON string literal, quoted and escaped.
    static func string(_ s: String) -> String { JSONLiteral.string(s) }

    static func floats(_ values: [Float]) -> String {
        "[" + values.map { $0.isFinite ? "\($0)" : "null" }.joined(separator: ", ") + "]"
    }

    static func ints(_ values: [Int]) -> String {
        "[" + values.map(String.init).joined(separator: ", ") + "]"
    }

    /// `value` as one line of JSON, keys sorted (stable output).
    static func encode<T: Encodable>(_ value: T) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }
}
