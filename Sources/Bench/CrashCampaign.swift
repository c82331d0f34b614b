import Foundation
import RagTuneTensor

/// Crash safety as a repeated experiment (`ragtune bench crash`). Each trial starts a real
/// `ragtune` child (`index`, `remove` compacting the HNSW index, `finetune`), kills it with
/// SIGKILL at a random moment, checks what it left behind, and runs it again:
/// - index: the store opens; every stored document has all its chunks (as an uninterrupted run
///   stores them) with finite unit embeddings; documents committed before the kill are all there;
///   a re-run completes the store and leaves a usable BM25 index;
/// - compaction: the removal is all or nothing, no other document is lost, the index snapshots are
///   never torn, search returns no removed document, and a re-run leaves the indexes current;
/// - finetune: `--resume` from the latest checkpoint reproduces the uninterrupted run's step
///   losses and eval loss exactly (a run killed before its first checkpoint starts over).
public enum CrashCampaign {
    /// The targets, in their default order.
    public static let allTargets = ["index", "compaction", "finetune"]

    /// What to run.
    public struct Options: Sendable {
        /// Kills per target.
        public var trials: Int
        /// Some of `allTargets`.
        public var targets: [String]
        /// Seed of the kill moments and removed documents.
        public var seed: UInt64
        /// Documents (3 chunks each, 384-d) of the compaction store.
        public var compactionDocuments: Int
        /// Documents (about 2 chunks each) indexed by the index trials.
        public var indexDocuments: Int

        /// Each argument sets the property of the same name.
        public init(trials: Int, targets: [String], seed: UInt64, compactionDocuments: Int, indexDocuments: Int) {
            self.trials = trials
            self.targets = targets
            self.seed = seed
            self.compactionDocuments = compactionDocuments
            self.indexDocuments = indexDocuments
        }
    }

    /// The `--json` object of `bench crash`.
    public struct Summary: Encodable, Sendable {
        public var benchmark = "crash"
        public var seed: UInt64
        public var trialsPerTarget: Int
        /// Target name → its report.
        public var targets: [String: CrashReport]
        public var totalFailures: Int
        public var seconds: Double
        public var machine: MachineReport

        enum CodingKeys: String, CodingKey {
            case benchmark, seed, targets, seconds, machine
            case trialsPerTarget = "trials_per_target", totalFailures = "total_failures"
        }

        /// The text report's line.
        public var line: String {
            String(format: "%d trials per target in %.0f s: %d failures", trialsPerTarget, seconds, totalFailures)
        }
    }

    /// Runs every target's trials in a folder of `root`.
    /// - Parameters:
    ///   - root: folder for the trials' files (created; left in place).
    ///   - binary: the `ragtune` executable the trials run and kill.
    ///   - log: progress of each target (`progress`) and its result line (`note`).
    /// - Throws: when a reference run fails or files cannot be written.
    public static func run(_ options: Options, root: URL, binary: URL, log: BenchLog) throws -> Summary {
        let started = Date()
        let child = CrashChild(binary: binary)
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        var reports: [String: CrashReport] = [:]
        for target in options.targets {
            let dir = root.appendingPathComponent(target)
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            var rng = SplitMix64(seed: options.seed ^ UInt64(target.utf8.count) &* 0x9E37_79B9_7F4A_7C15)
            let report: CrashReport
            switch target {
            case "index":
                report = try IndexCrashTrials(documents: options.indexDocuments, dir: dir, child: child)
                    .run(trials: options.trials, rng: &rng, log: log.progress)
            case "compaction":
                report = try CompactionCrashTrials(documents: options.compactionDocuments, dir: dir, child: child)
                    .run(trials: options.trials, rng: &rng, log: log.progress)
            default: report = try FineTuneCrashTrials(dir: dir, child: child).run(trials: options.trials, rng: &rng, log: log.progress)
            }
            reports[target] = report
            log.note("\(target): \(report.line)")
        }
        return Summary(seed: options.seed, trialsPerTarget: options.trials, targets: reports,
                       totalFailures: reports.values.reduce(0) { $0 + $1.failures },
                       seconds: Date().timeIntervalSince(started), machine: .current())
    }
}
