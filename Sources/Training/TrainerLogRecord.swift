/// A log entry as `finetune --json` prints it and `trainer_state.json`'s `log_history` holds it:
/// the entry's keys (nil values left out) plus `"type"`: `log` for a training entry, `eval` for
/// an evaluation.
public struct TrainerLogRecord: Sendable, Equatable, Codable {
    /// The entry written.
    public var entry: TrainerLogEntry

    public init(_ entry: TrainerLogEntry) { self.entry = entry }

    /// `log` or `eval`.
    public var type: String { entry.evalLoss == nil ? "log" : "eval" }

    enum CodingKeys: String, CodingKey { case type }

    public init(from decoder: any Decoder) throws {
        entry = try TrainerLogEntry(from: decoder)
    }

    public func encode(to encoder: any Encoder) throws {
        try entry.encode(to: encoder)
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(type, forKey: .type)
    }
}

/// `{"type": "checkpoint", "step", "path"}`: a checkpoint written (`finetune --json`).
public struct CheckpointRecord: Sendable, Equatable, Codable {
    public var type = "checkpoint"
    /// Steps done when it was written.
    public var step: Int
    /// The `checkpoint-N` folder.
    public var path: String

    public init(step: Int, path: String) {
        self.step = step
        self.path = path
    }
}
