import ArgumentParser
import Foundation
import RagTuneBench

/// `ragtune bench crash`: kill -9 at random moments during `index`, HNSW compaction and `finetune`
/// children of this executable, and check what they leave behind (`CrashCampaign`).
struct CrashBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "crash",
        abstract: "kill -9 at random moments during index, HNSW compaction and finetune; check the store and the resumed losses.",
        discussion: "index needs the MiniLM model (`ragtune models install minilm`); compaction and finetune build "
            + "their store and tiny model in code. Exits 1 when a trial lost a document, found an inconsistent "
            + "store or torn index file, or resumed to different losses.")

    @Option(help: "Kills per target.")
    var trials: Int = 50

    @Option(help: "Comma-separated targets: index, compaction, finetune.")
    var targets: String = "index,compaction,finetune"

    @Option(help: "Seed of the kill moments and removed documents.")
    var seed: UInt64 = 1

    @Option(name: .customLong("compaction-documents"), help: "Documents (3 chunks each, 384-d) of the compaction store.")
    var compactionDocuments: Int = 2000

    @Option(name: .customLong("index-documents"), help: "Documents (about 2 chunks each) indexed by the index trials.")
    var indexDocuments: Int = 300

    @Option(help: "Folder for the trials' files (default: a temporary folder, removed afterwards).")
    var work: String?

    @Flag(help: "Print one JSON object on stdout.")
    var json = false

    var selectedTargets: [String] { targets.split(separator: ",").map(String.init) }

    func validate() throws {
        guard trials >= 1 else { throw ValidationError("--trials must be at least 1") }
        guard compactionDocuments >= 8, indexDocuments >= 4 else { throw ValidationError("document counts are too small") }
        for target in selectedTargets where !CrashCampaign.allTargets.contains(target) {
            throw ValidationError("--targets: unknown target '\(target)'; use " + CrashCampaign.allTargets.joined(separator: ", "))
        }
    }

    func run() throws {
        let root = URL(fileURLWithPath: work ?? FileManager.default.temporaryDirectory
            .appendingPathComponent("ragtune-crash-\(getpid())").path)
        defer { if work == nil { try? FileManager.default.removeItem(at: root) } }
        let options = CrashCampaign.Options(trials: trials, targets: selectedTargets, seed: seed,
                                            compactionDocuments: compactionDocuments, indexDocuments: indexDocuments)
        // Progress goes to stderr also with --json: stdout carries only the JSON.
        let summary = try CrashCampaign.run(options, root: root, binary: ragtuneExecutable, log: .standardError(json: json))
        if json { try printJSON(summary) } else { print(summary.line) }
        if summary.totalFailures > 0 { throw ExitCode(1) }
    }
}
