import Foundation
import RagTuneModels
import RagTuneTensor
import Yams

extension FineTuneJob: Codable {
    /// Reads the keys present over `FineTuneJob()` (or over the job in `userInfo[.baseJob]`, for
    /// overrides), each through its row of `settings`; an unknown key, an alias given with its
    /// main key, or a value of the wrong type throws `TrainingError.invalidJob` naming the key.
    public init(from decoder: any Decoder) throws {
        self = decoder.userInfo[.baseJob] as? FineTuneJob ?? FineTuneJob()
        let c = try decoder.container(keyedBy: AnyKey.self)
        let names = Set(c.allKeys.map(\.stringValue))
        for setting in Self.settings {
            if let alias = setting.aliases.first(where: names.contains), names.contains(setting.key) {
                throw TrainingError.invalidJob(key: alias, reason: "is an alias of \(setting.key); give only one")
            }
        }
        for key in c.allKeys {
            guard let setting = Self.setting(key.stringValue) else {
                throw TrainingError.invalidJob(key: key.stringValue, reason: "unknown key; known keys: "
                                               + Self.settings.flatMap { [$0.key] + $0.aliases }.joined(separator: ", "))
            }
            try setting.read(&self, JobValue(container: c, key: key))
        }
    }

    /// Writes every set setting under its main key (the resolved job saved next to the results).
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: AnyKey.self)
        for setting in Self.settings {
            if let value = setting.value(self) { try c.encode(value, forKey: AnyKey(stringValue: setting.key)) }
        }
    }

    /// Reads a job file: JSON when the name ends in `.json`, YAML otherwise.
    /// - Throws: `TrainingError.fileError` for an unreadable or malformed file, `.invalidJob` for a bad key.
    public static func load(from path: String) throws -> FineTuneJob {
        if let problem = FileCheck.problemReading(path) { throw TrainingError.fileError(path: path, reason: problem) }
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
            throw TrainingError.fileError(path: path, reason: "cannot read the job file (\(error.localizedDescription))")
        }
        do {
            if path.lowercased().hasSuffix(".json") { return try JSONDecoder().decode(FineTuneJob.self, from: data) }
            guard let text = String(data: data, encoding: .utf8) else {
                throw TrainingError.fileError(path: path, reason: "not valid UTF-8")
            }
            return try YAMLDecoder().decode(FineTuneJob.self, from: text)
        } catch let error as TrainingError {
            throw error
        } catch DecodingError.dataCorrupted(let context) where context.underlyingError is TrainingError {
            throw context.underlyingError! // Yams wraps what init(from:) throws
        } catch {
            throw TrainingError.fileError(path: path, reason: "not a valid job file: \(error)")
        }
    }
}

extension FineTuneJob.Scheduler {
    /// Accepts RagTune's names and Hugging Face's (`constant_with_warmup`, `reduce_lr_on_plateau`).
    init?(name: String) {
        switch name {
        case "constant_with_warmup": self = .constant
        case "reduce_lr_on_plateau": self = .reduceOnPlateau
        default: self.init(rawValue: name)
        }
    }
}

extension FineTuneJob {
    /// This job with some settings replaced (command-line overrides win over the job file).
    /// - Parameter values: setting key → value as typed on the command line: numbers and
    ///   booleans as text, module lists comma-separated, `lr_scheduler_kwargs` as a JSON object.
    /// - Throws: `TrainingError.invalidJob` naming an unknown key or a value of the wrong type.
    public func overriding(_ values: [String: String]) throws -> FineTuneJob {
        var members: [String] = []
        for (key, value) in values.sorted(by: { $0.key < $1.key }) {
            guard let setting = Self.setting(key) else { throw TrainingError.invalidJob(key: key, reason: "unknown key") }
            members.append(try Self.jsonString(key) + ": " + (setting.key == "lr_scheduler_kwargs"
                ? try Self.jsonObject(value, key: key) : try Self.jsonString(value)))
        }
        let decoder = JSONDecoder()
        decoder.userInfo[.baseJob] = self
        return try decoder.decode(FineTuneJob.self, from: Data(("{" + members.joined(separator: ", ") + "}").utf8))
    }

    private static func jsonString(_ text: String) throws -> String {
        String(decoding: try JSONEncoder().encode(text), as: UTF8.self)
    }

    /// `text` when it is one JSON object.
    private static func jsonObject(_ text: String, key: String) throws -> String {
        struct ObjectProbe: Decodable {
            init(from decoder: any Decoder) throws { _ = try decoder.container(keyedBy: AnyKey.self) }
        }
        guard (try? JSONDecoder().decode(ObjectProbe.self, from: Data(text.utf8))) != nil else {
            throw TrainingError.invalidJob(key: key, reason: "expected a JSON object, e.g. {\"factor\": 0.5, \"patience\": 2}")
        }
        return text
    }
}

extension CodingUserInfoKey {
    /// The job a decoded `FineTuneJob` starts from (overrides), instead of the defaults.
    static let baseJob = CodingUserInfoKey(rawValue: "ragtune.baseJob")!
}
