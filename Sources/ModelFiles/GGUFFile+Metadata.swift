/// Typed metadata accessors. The optional forms return nil for a missing key and throw
/// `ModelFilesError.wrongType` for a key holding another type, so `try gguf.int(k) ?? default`
/// never silently ignores a malformed file; the `require…` forms also throw
/// `ModelFilesError.missingKey`.
extension GGUFFile {
    /// A string value (`string`).
    public func string(_ key: String) throws -> String? {
        try typed(key, expected: "a string") { $0.stringValue }
    }

    /// An integer value of any integer type that fits in `Int` (`uint8` … `int64`).
    public func int(_ key: String) throws -> Int? {
        try typed(key, expected: "an integer") { $0.intValue }
    }

    /// A floating-point value (`float32`, `float64`, or an integer type), as Float.
    public func float(_ key: String) throws -> Float? {
        try typed(key, expected: "a number") { $0.doubleValue.map(Float.init) }
    }

    /// A `bool` value.
    public func bool(_ key: String) throws -> Bool? {
        try typed(key, expected: "a bool") { $0.boolValue }
    }

    /// An array of strings (e.g. `tokenizer.ggml.tokens`).
    public func stringArray(_ key: String) throws -> [String]? {
        try typed(key, expected: "an array of strings") { $0.stringArray }
    }

    /// An array of integers (e.g. `tokenizer.ggml.token_type`).
    public func intArray(_ key: String) throws -> [Int]? {
        try typed(key, expected: "an array of integers") { value in
            guard let elements = value.arrayValue else { return nil }
            var ints: [Int] = []
            ints.reserveCapacity(elements.count)
            for element in elements {
                guard let int = element.intValue else { return nil }
                ints.append(int)
            }
            return ints
        }
    }

    /// An array of floats (e.g. `tokenizer.ggml.scores`).
    public func floatArray(_ key: String) throws -> [Float]? {
        try typed(key, expected: "an array of numbers") { value in
            guard let elements = value.arrayValue else { return nil }
            var floats: [Float] = []
            floats.reserveCapacity(elements.count)
            for element in elements {
                guard let double = element.doubleValue else { return nil }
                floats.append(Float(double))
            }
            return floats
        }
    }

    public func requireString(_ key: String) throws -> String { try required(key, string(key)) }
    public func requireInt(_ key: String) throws -> Int { try required(key, int(key)) }
    public func requireFloat(_ key: String) throws -> Float { try required(key, float(key)) }
    public func requireBool(_ key: String) throws -> Bool { try required(key, bool(key)) }
    public func requireStringArray(_ key: String) throws -> [String] { try required(key, stringArray(key)) }
    public func requireIntArray(_ key: String) throws -> [Int] { try required(key, intArray(key)) }
    public func requireFloatArray(_ key: String) throws -> [Float] { try required(key, floatArray(key)) }

    private func typed<T>(_ key: String, expected: String, _ convert: (GGUFValue) -> T?) throws -> T? {
        guard let value = metadata[key] else { return nil }
        guard let converted = convert(value) else {
            throw ModelFilesError.wrongType(file: name, key: key, expected: expected, found: describe(value))
        }
        return converted
    }

    private func required<T>(_ key: String, _ value: T?) throws -> T {
        guard let value else { throw ModelFilesError.missingKey(file: name, key: key) }
        return value
    }

    /// `uint64 18446744073709551615`, `string "llama"`, `array of string (3 elements)`.
    private func describe(_ value: GGUFValue) -> String {
        switch value {
        case .array: return value.typeDescription
        case .string(let s): return "string \"\(s.prefix(40))\""
        case .uint8(let v): return "uint8 \(v)"
        case .int8(let v): return "int8 \(v)"
        case .uint16(let v): return "uint16 \(v)"
        case .int16(let v): return "int16 \(v)"
        case .uint32(let v): return "uint32 \(v)"
        case .int32(let v): return "int32 \(v)"
        case .uint64(let v): return "uint64 \(v)"
        case .int64(let v): return "int64 \(v)"
        case .float32(let v): return "float32 \(v)"
        case .float64(let v): return "float64 \(v)"
        case .bool(let v): return "bool \(v)"
        }
    }
}
