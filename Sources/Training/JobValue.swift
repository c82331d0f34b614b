import Foundation
import RagTuneModels

/// Any string key, to see every key of a mapping (including unknown ones).
struct AnyKey: CodingKey {
    let stringValue: String
    init(stringValue: String) { self.stringValue = stringValue }
    var intValue: Int? { nil }
    init?(intValue: Int) { nil }
}

/// One setting's value, decoded leniently: numbers and booleans may be strings.
struct JobValue {
    let container: KeyedDecodingContainer<AnyKey>
    let key: AnyKey

    func failure(_ reason: String) -> TrainingError {
        TrainingError.invalidJob(key: key.stringValue, reason: reason)
    }

    func isNull() throws -> Bool { try container.decodeNil(forKey: key) }

    func string() throws -> String {
        guard let value = try? container.decode(String.self, forKey: key) else { throw failure("expected a string") }
        return value
    }

    func double() throws -> Double {
        if let value = try? container.decode(Double.self, forKey: key), value.isFinite { return value }
        if let text = try? container.decode(String.self, forKey: key), let value = Double(text.trimmingCharacters(in: .whitespaces)),
           value.isFinite { return value }
        throw failure("expected a number")
    }

    func int() throws -> Int {
        if let value = try? container.decode(Int.self, forKey: key) { return value }
        let number = try double()
        guard number == number.rounded(), abs(number) < 1e15 else { throw failure("expected a whole number, got \(number)") }
        return Int(number)
    }

    func bool() throws -> Bool {
        if let value = try? container.decode(Bool.self, forKey: key) { return value }
        switch (try? container.decode(String.self, forKey: key))?.lowercased() {
        case "true": return true
        case "false": return false
        default: throw failure("expected true or false")
        }
    }

    /// A list of PEFT module names, one comma-separated string, or `all-linear`.
    func modules() throws -> [LlamaProjection] {
        let names: [String]
        if let list = try? container.decode([String].self, forKey: key) {
            names = list
        } else {
            names = try string().split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        }
        if names == ["all-linear"] { return LlamaProjection.allCases }
        return try names.map { name in
            guard let projection = LlamaProjection(rawValue: name) else {
                throw failure("unknown module '\(name)'; use all-linear or "
                              + LlamaProjection.allCases.map(\.rawValue).joined(separator: ", "))
            }
            return projection
        }
    }

    func scheduler() throws -> FineTuneJob.Scheduler {
        let name = try string()
        guard let scheduler = FineTuneJob.Scheduler(name: name) else {
            throw failure("unknown scheduler '\(name)'; use "
                          + FineTuneJob.Scheduler.allCases.map(\.rawValue).joined(separator: ", "))
        }
        return scheduler
    }

    func plateau() throws -> FineTuneJob.PlateauOptions {
        let nested: KeyedDecodingContainer<AnyKey>
        do { nested = try container.nestedContainer(keyedBy: AnyKey.self, forKey: key) } catch {
            throw failure("expected a mapping of factor, patience, threshold, min_lr")
        }
        var options = FineTuneJob.PlateauOptions()
        for inner in nested.allKeys {
            let value = JobValue(container: nested, key: AnyKey(stringValue: inner.stringValue))
            switch FineTuneJob.PlateauOptions.CodingKeys(rawValue: inner.stringValue) {
            case .factor: options.factor = try value.double()
            case .patience: options.patience = try value.int()
            case .threshold: options.threshold = try value.double()
            case .minLR: options.minLR = try value.double()
            case nil:
                throw TrainingError.invalidJob(key: "\(key.stringValue).\(inner.stringValue)",
                                               reason: "unknown key; known: factor, patience, threshold, min_lr")
            }
        }
        return options
    }
}
