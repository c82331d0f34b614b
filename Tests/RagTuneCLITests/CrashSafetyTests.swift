import Foundation
import Testing
import RagTuneModels
import RagTuneTestSupport
import RagTuneTensor
@testable import ragtune

/// Crash safety (issue #13, item 17) as a few trials of `ragtune bench crash` (the job runs 50 per
/// target): after kill -9 during `index`, HNSW compaction and `finetune`, the store is consistent,
/// no committed document is lost, and a resumed fine-tune repeats the uninterrupted losses.
@Suite(.serialized) struct CrashSafetyTests {
    static var binary: URL? { IndexCommandTests.builtBinary() }

    private func expectNoFailures(_ result: [String: Any], _ targets: [String], trials: Int) {
        for target in targets {
            let report = result["targets"].flatMap { ($0 as? [String: Any])?[target] as? [String: Any] } ?? [:]
            #expect(report["trials"] as? Int == trials, "\(target): \(report)")
            #expect(report["failures"] as? Int == 0, "\(target): \(report["failure_details"] ?? report)")
        }
        #expect(result["total_failures"] as? Int == 0)
    }

    @Test(.enabled(if: CrashSafetyTests.binary != nil, "needs the ragtune binary beside the tests"))
    func compactionAndFineTuneSurviveKills() throws {
        let result = try IndexCommandTests.runJSON(Self.binary!, ["bench", "crash", "--targets", "compaction,finetune", "--trials", "3",
                                                                 "--compaction-documents", "150", "--json"])
        expectNoFailures(result, ["compaction", "finetune"], trials: 3)
    }

    // Skipped without MiniLM (index embeds), unless RAGTUNE_REQUIRE_MODELS=1 makes it a failure.
    @Test(.enabled(if: CrashSafetyTests.binary != nil && TestModels.shouldRun(ModelCatalog.minilm), "needs the ragtune binary and the MiniLM model"))
    func indexSurvivesKills() throws {
        let result = try IndexCommandTests.runJSON(Self.binary!, ["bench", "crash", "--targets", "index", "--trials", "3",
                                                                 "--index-documents", "100", "--json"])
        expectNoFailures(result, ["index"], trials: 3)
    }
}
