import Foundation
import Hummingbird
import NIOCore

/// Reads a request's JSON body (at most `limit` bytes) as `T`, with errors that name the field at
/// fault: a missing field, a value of the wrong type, or a body that is not JSON at all.
func decodeJSON<T: Decodable>(_ type: T.Type, from request: Request, limit: Int) async throws -> T {
    try decodeJSON(type, from: try await request.body.collect(upTo: limit))
}

/// `buffer` (a request body already read) as `T`; errors as `decodeJSON(_:from:limit:)`.
func decodeJSON<T: Decodable>(_ type: T.Type, from buffer: ByteBuffer) throws -> T {
    guard buffer.readableBytes > 0 else { throw APIError.invalid("The request body is empty; send a JSON object") }
    do {
        return try JSONDecoder().decode(T.self, from: Data(buffer.readableBytesView))
    } catch let DecodingError.keyNotFound(key, context) {
        let path = fieldPath(context.codingPath + [key])
        throw APIError.invalid("Missing required field '\(path)'", param: path)
    } catch let DecodingError.typeMismatch(expected, context) {
        let path = fieldPath(context.codingPath)
        throw APIError.invalid("'\(path)' has the wrong type (expected \(describe(expected))): \(context.debugDescription)",
                               param: path)
    } catch let DecodingError.valueNotFound(expected, context) {
        let path = fieldPath(context.codingPath)
        throw APIError.invalid("'\(path)' is null; expected \(describe(expected))", param: path)
    } catch let DecodingError.dataCorrupted(context) {
        if context.codingPath.isEmpty {
            throw APIError.invalid("The request body is not valid JSON (\(context.underlyingError.map { "\($0)" } ?? context.debugDescription))")
        }
        let path = fieldPath(context.codingPath)
        throw APIError.invalid("'\(path)': \(context.debugDescription)", param: path)
    }
}

/// `messages[0].content` style paths.
private func fieldPath(_ path: [any CodingKey]) -> String {
    var text = ""
    for key in path {
        if let index = key.intValue {
            text += "[\(index)]"
        } else {
            text += text.isEmpty ? key.stringValue : "." + key.stringValue
        }
    }
    return text.isEmpty ? "(body)" : text
}

private func describe(_ type: Any.Type) -> String {
    switch type {
    case is String.Type: return "a string"
    case is Int.Type, is Int64.Type: return "an integer"
    case is Double.Type, is Float.Type: return "a number"
    case is Bool.Type: return "true or false"
    default:
        let name = String(describing: type)
        return name.hasPrefix("Array") ? "an array" : name.hasPrefix("Dictionary") ? "an object" : "a \(name)"
    }
}
