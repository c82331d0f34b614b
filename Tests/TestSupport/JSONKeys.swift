import Foundation

/// The key paths of a value's JSON, for tests that pin a command's output keys (the contract
/// scripts rely on): nested objects give "a.b", array elements "a[].b", and the keys of maps
/// whose keys are data (per-strategy summaries, timings) can be collapsed to "*".
public enum JSONKeys {
    /// Sorted key paths of `value` encoded as JSON.
    /// - Parameter wildcards: key paths whose object keys are data: their children are listed
    ///   under "path.*" instead of each key.
    public static func paths(of value: some Encodable, wildcards: Set<String> = []) throws -> [String] {
        let data = try JSONEncoder().encode(value)
        return paths(in: try JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed]), wildcards: wildcards)
    }

    /// Sorted key paths of a parsed JSON value (`JSONSerialization` output).
    public static func paths(in json: Any, wildcards: Set<String> = []) -> [String] {
        var result = Set<String>()
        collect(json, prefix: "", wildcards: wildcards, into: &result)
        return result.sorted()
    }

    private static func collect(_ json: Any, prefix: String, wildcards: Set<String>, into result: inout Set<String>) {
        if let object = json as? [String: Any] {
            for (key, value) in object {
                let name = wildcards.contains(prefix) ? "*" : key
                let path = prefix.isEmpty ? name : prefix + "." + name
                result.insert(path)
                collect(value, prefix: path, wildcards: wildcards, into: &result)
            }
        } else if let array = json as? [Any] {
            for element in array { collect(element, prefix: prefix + "[]", wildcards: wildcards, into: &result) }
        }
    }
}
