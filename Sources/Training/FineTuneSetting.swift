import Foundation
import RagTuneModels

/// One setting of a fine-tuning job, declared once in `FineTuneJob.settings`: its job-file key
/// (the `--kebab-case` flag is derived from it), accepted aliases, help text, how a value is read
/// (leniently: YAML numbers and booleans may be strings), written and checked. That one table
/// drives JSON/YAML decoding and encoding, command-line overrides, validation, the settings of the
/// report and the resume compatibility check. The default is the `FineTuneJob` property's.
public struct FineTuneSetting: Sendable {
    /// The job-file key (`lora_r`), as in Hugging Face / PEFT / axolotl.
    public let key: String
    /// Other keys accepted for it (`train_file` for `data_path`).
    public let aliases: [String]
    /// One line for `--help`.
    public let help: String
    /// The value to write, nil when unset.
    let value: @Sendable (FineTuneJob) -> (any Encodable)?
    /// Sets the value read under this key.
    let read: @Sendable (inout FineTuneJob, JobValue) throws -> Void
    /// Why the job's value is out of range, nil when it is fine.
    let problem: @Sendable (FineTuneJob) -> String?

    /// `--lora-r` for `lora_r`, and the same for each alias.
    public var flags: [String] { ([key] + aliases).map { "--" + $0.replacingOccurrences(of: "_", with: "-") } }

    /// The job's value as compact JSON (`8`, `"smollm2"`, `["q_proj"]`), nil when unset.
    public func jsonText(of job: FineTuneJob) throws -> String? {
        guard let value = value(job) else { return nil }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    /// A setting stored in `path`, read by `kind`; `check` returns why a value is out of range.
    static func setting<Value: Encodable & Sendable>(_ key: String, aliases: [String] = [],
                                          _ path: WritableKeyPath<FineTuneJob, Value> & Sendable,
                                          _ kind: SettingKind<Value>, _ help: String,
                                          check: @escaping @Sendable (Value) -> String? = { _ in nil }) -> FineTuneSetting {
        FineTuneSetting(key: key, aliases: aliases, help: help, value: { $0[keyPath: path] },
                        read: { job, value in job[keyPath: path] = try kind.read(value) },
                        problem: { check($0[keyPath: path]) })
    }

    /// An optional setting: null leaves it unset; `check` sees set values, `whenUnset` is the
    /// problem of an unset one (nil: unset is fine).
    static func optional<Value: Encodable & Sendable>(_ key: String, aliases: [String] = [],
                                           _ path: WritableKeyPath<FineTuneJob, Value?> & Sendable,
                                           _ kind: SettingKind<Value>, _ help: String,
                                           check: @escaping @Sendable (Value) -> String? = { _ in nil },
                                           whenUnset: String? = nil) -> FineTuneSetting {
        FineTuneSetting(key: key, aliases: aliases, help: help, value: { $0[keyPath: path] },
                        read: { job, value in job[keyPath: path] = try value.isNull() ? nil : kind.read(value) },
                        problem: { job in job[keyPath: path].map(check) ?? whenUnset })
    }
}

/// How a setting's value is read from a job file or an override.
struct SettingKind<Value>: Sendable {
    let read: @Sendable (JobValue) throws -> Value
}

extension SettingKind where Value == String { static var string: Self { Self { try $0.string() } } }
extension SettingKind where Value == Double { static var number: Self { Self { try $0.double() } } }
extension SettingKind where Value == Int { static var integer: Self { Self { try $0.int() } } }
extension SettingKind where Value == Bool { static var boolean: Self { Self { try $0.bool() } } }
extension SettingKind where Value == [LlamaProjection] { static var modules: Self { Self { try $0.modules() } } }
extension SettingKind where Value == FineTuneJob.Scheduler { static var scheduler: Self { Self { try $0.scheduler() } } }
extension SettingKind where Value == FineTuneJob.PlateauOptions { static var plateau: Self { Self { try $0.plateau() } } }

extension SettingKind where Value == UInt64 {
    /// A whole number ≥ 0.
    static var seed: Self {
        Self { value in
            let number = try value.int()
            guard number >= 0 else { throw value.failure("must be ≥ 0") }
            return UInt64(number)
        }
    }
}

/// Range checks shared by the settings: each returns the reason naming the value, or nil.
enum SettingCheck {
    static func atLeast<Value: Comparable & Sendable>(_ minimum: Value) -> @Sendable (Value) -> String? {
        { $0 >= minimum ? nil : "is \($0); must be at least \(minimum)" }
    }

    static func nonNegative<Value: Comparable & Numeric & Sendable>(_ value: Value) -> String? {
        value >= 0 ? nil : "is \(value); must be ≥ 0"
    }

    static func fraction(_ value: Double) -> String? {
        value >= 0 && value < 1 ? nil : "is \(value); must be in [0, 1)"
    }

    static func positive(_ value: Double) -> String? {
        value > 0 && value.isFinite ? nil : "is \(value); must be positive"
    }
}
