import Foundation

/// Validates parsed JSON (`JSONSerialization` output) against a JSON Schema (draft 2020-12), for
/// the tests that check a report against its published schema. It knows the keywords those schemas
/// use — `type` (with "null" and "integer"), `const`, `enum`, `properties`, `required`,
/// `additionalProperties` (false or a schema), `items`, `oneOf`, `minimum`, `maximum`, and `$ref`
/// to `#/$defs/…` — and reports any other keyword as an error, so a schema never passes by using
/// what the validator ignores.
public struct JSONSchemaValidator {
    private let root: [String: Any]
    private static let annotations: Set<String> = ["$schema", "$id", "title", "description", "$defs"]

    public init(schema: Data) throws {
        guard let root = try JSONSerialization.jsonObject(with: schema) as? [String: Any] else {
            throw CocoaError(.coderInvalidValue, userInfo: [NSLocalizedDescriptionKey: "a schema must be a JSON object"])
        }
        self.root = root
    }

    /// The violations of `instance`, each as "path: problem" (empty when valid).
    public func errors(in instance: Any) -> [String] {
        var errors: [String] = []
        check(instance, against: root, at: "$", errors: &errors)
        return errors
    }

    private func check(_ value: Any, against schema: [String: Any], at path: String, errors: inout [String]) {
        for key in schema.keys where !Self.annotations.contains(key) && !Self.known.contains(key) {
            errors.append("\(path): the schema uses \"\(key)\", which this validator does not know")
        }
        if let reference = schema["$ref"] as? String {
            guard reference.hasPrefix("#/$defs/"), let definitions = root["$defs"] as? [String: Any],
                  let target = definitions[String(reference.dropFirst("#/$defs/".count))] as? [String: Any] else {
                errors.append("\(path): unresolved $ref \(reference)")
                return
            }
            check(value, against: target, at: path, errors: &errors)
        }
        if let types = schema["type"] {
            let allowed = (types as? [String]) ?? [types as? String].compactMap { $0 }
            if !allowed.contains(where: { Self.value(value, is: $0) }) {
                errors.append("\(path): expected \(allowed.joined(separator: " or ")), found \(Self.describe(value))")
                return
            }
        }
        if let constant = schema["const"], !Self.equal(value, constant) { errors.append("\(path): expected \(constant)") }
        if let options = schema["enum"] as? [Any], !options.contains(where: { Self.equal(value, $0) }) {
            errors.append("\(path): \(Self.describe(value)) is not one of \(options)")
        }
        if let number = Self.number(value) {
            if let minimum = schema["minimum"].flatMap(Self.number), number < minimum { errors.append("\(path): \(number) < \(minimum)") }
            if let maximum = schema["maximum"].flatMap(Self.number), number > maximum { errors.append("\(path): \(number) > \(maximum)") }
        }
        if let choices = schema["oneOf"] as? [[String: Any]] {
            let matching = choices.filter { choice in
                var nested: [String] = []
                check(value, against: choice, at: path, errors: &nested)
                return nested.isEmpty
            }.count
            if matching != 1 { errors.append("\(path): matches \(matching) of the oneOf schemas, not exactly one") }
        }
        if let object = value as? [String: Any] {
            let properties = schema["properties"] as? [String: [String: Any]] ?? [:]
            for name in schema["required"] as? [String] ?? [] where object[name] == nil {
                errors.append("\(path): missing \"\(name)\"")
            }
            for (name, member) in object {
                if let property = properties[name] {
                    check(member, against: property, at: "\(path).\(name)", errors: &errors)
                } else if let additional = schema["additionalProperties"] as? [String: Any] {
                    check(member, against: additional, at: "\(path).\(name)", errors: &errors)
                } else if schema["additionalProperties"] as? Bool == false {
                    errors.append("\(path): unexpected key \"\(name)\"")
                }
            }
        }
        if let array = value as? [Any], let items = schema["items"] as? [String: Any] {
            for (i, element) in array.enumerated() { check(element, against: items, at: "\(path)[\(i)]", errors: &errors) }
        }
    }

    private static let known: Set<String> = ["type", "const", "enum", "properties", "required", "additionalProperties", "items",
                                             "oneOf", "minimum", "maximum", "$ref"]

    private static func value(_ value: Any, is type: String) -> Bool {
        switch type {
        case "null": return value is NSNull
        case "boolean": return isBoolean(value)
        case "integer": return !isBoolean(value) && number(value).map { $0 == $0.rounded() } == true
        case "number": return !isBoolean(value) && number(value) != nil
        case "string": return value is String
        case "array": return value is [Any]
        case "object": return value is [String: Any]
        default: return false
        }
    }

    /// JSONSerialization gives booleans as NSNumbers whose type code is "c" (numbers from JSON text are "i", "q" or "d").
    private static func isBoolean(_ value: Any) -> Bool {
        guard let number = value as? NSNumber else { return false }
        return String(cString: number.objCType) == "c"
    }

    private static func number(_ value: Any) -> Double? {
        guard !isBoolean(value), let number = value as? NSNumber else { return nil }
        return number.doubleValue
    }

    private static func equal(_ a: Any, _ b: Any) -> Bool {
        if let x = number(a), let y = number(b) { return x == y }
        if let x = a as? String, let y = b as? String { return x == y }
        if isBoolean(a) && isBoolean(b) { return (a as? NSNumber)?.boolValue == (b as? NSNumber)?.boolValue }
        return a is NSNull && b is NSNull
    }

    private static func describe(_ value: Any) -> String {
        if value is NSNull { return "null" }
        if isBoolean(value) { return "a boolean" }
        if number(value) != nil { return "a number" }
        if value is String { return "a string" }
        if value is [Any] { return "an array" }
        return "an object"
    }
}
