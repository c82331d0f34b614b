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

    /// The key names directly under `path` ("" for the top level, "outputs" for a nested object,
    /// "samples[]" for the objects of an array) of `value` encoded as JSON.
    public static func keys(of value: some Encodable, under path: String = "") throws -> Set<String> {
        try keys(in: JSONEncoder().encode(value), under: path)
    }

    /// The key names directly under `path` of a JSON document (a written file, a command's output).
    public static func keys(in data: Data, under path: String = "") throws -> Set<String> {
        let prefix = path.isEmpty ? "" : path + "."
        let all = paths(in: try JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed]))
        return Set(all.compactMap { key in
            guard key.hasPrefix(prefix) else { return nil }
            let rest = key.dropFirst(prefix.count)
            return rest.contains(".") || rest.contains("[]") ? nil : String(rest)
        })
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
