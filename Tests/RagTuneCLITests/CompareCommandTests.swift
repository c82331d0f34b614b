import Foundation
import Testing
import RagTunePostgres
import RagTuneRAG
import RagTuneStorage
import RagTuneTestSupport
@testable import ragtune

/// `ragtune compare` through the real binary: flag errors without models, and a small comparison
/// end to end (with a restricted note, the outsider probe and a resumed second run) with them.
@Suite(.serialized) struct CompareCommandTests {
    private static let notes = [
        "docs/public.md": """
            # Notes

            The Mordro-18 reactor was designed by Kesttov Kanaxdro. Construction of the first Mordro-18 reactor finished in 1980.

            The Sarqui-41 compass was designed by Gilith Ulzorqui. Gilith Ulzorqui was born in the town of Jordrobrak.
            """,
        "docs/board.md": """
            ---
            acl: [board]
            ---
            # Board notes

            The Kaka-79 vault was designed by Lonax Ithithost. Lonax Ithithost grew up in Quiravnax.
            """,
        "updates/public.md": """
            # Notes

            The Mordro-18 reactor was designed by Kesttov Kanaxdro. Construction of the first Mordro-18 reactor finished in 1981.

            The Sarqui-41 compass was designed by Gilith Ulzorqui. Gilith Ulzorqui was born in the town of Jordrobrak.
            """,
        "qa-lora.jsonl": """
            {"id": "t1", "question": "Where was Gilith Ulzorqui born?", "answer": "Jordrobrak", "split": "train", "kind": "town"}
            {"id": "t2", "question": "Who designed the Sarqui-41 compass?", "answer": "Gilith Ulzorqui", "split": "train", "kind": "designer"}
            {"id": "t3", "question": "What did Gilith Ulzorqui design?", "answer": "Sarqui-41 compass", "split": "train", "kind": "designed"}
            {"id": "t4", "question": "Who designed the Kaka-79 vault?", "answer": "Lonax Ithithost", "split": "train", "kind": "designer", "restricted": true}
            {"id": "e1", "question": "Who designed the Mordro-18 reactor?", "answer": "Kesttov Kanaxdro", "split": "eval", "kind": "designer"}
            {"id": "e2", "question": "In what year was the first Mordro-18 reactor finished?", "answer": "1980", "split": "eval", "kind": "year"}

            """,
        "qa.jsonl": """
            {"id": "t1", "question": "Where was Gilith Ulzorqui born?", "answer": "Jordrobrak", "split": "train", "kind": "town"}
            {"id": "e1", "question": "Who designed the Mordro-18 reactor?", "answer": "Kesttov Kanaxdro", "split": "eval", "kind": "designer"}
            {"id": "e2", "question": "In what year was the first Mordro-18 reactor finished?", "answer": "1980", "answer_v2": "1981", "split": "eval", "kind": "year"}
            {"id": "e3", "question": "Who designed the Sarqui-41 compass?", "answer": "Gilith Ulzorqui", "split": "eval", "kind": "designer"}
            {"id": "e4", "question": "Who designed the Kaka-79 vault?", "answer": "Lonax Ithithost", "split": "eval", "kind": "designer", "restricted": true}
            {"id": "e5", "question": "Who designed the Vorn-2 lamp?", "answer": "Ama Bel", "split": "eval", "kind": "designer", "doc": "lamps.md"}

            """,
    ]

    /// A comparison of closed-book and RAG on the notes in `dir`, as a member of `board`, into `dir/out`.
    private static func arguments(_ dir: URL) -> [String] {
        ["compare", "--docs", dir.appendingPathComponent("docs").path, "--qa", dir.appendingPathComponent("qa.jsonl").path,
         "--user", "board", "--strategies", "closed-book,rag", "--out", dir.appendingPathComponent("out").path, "--json"]
    }

    @Test(.enabled(if: IndexCommandTests.hasBinary, "the ragtune binary is not built"))
    func badStrategiesAndFlagsAreRefusedByName() throws {
        let binary = try #require(IndexCommandTests.builtBinary())
        let dir = try RobustnessTests.folder(Self.notes)
        defer { try? FileManager.default.removeItem(at: dir) }
        let base = ["compare", "--docs", dir.appendingPathComponent("docs").path, "--qa", dir.appendingPathComponent("qa.jsonl").path]
        for (extra, message) in [(["--strategies", "rag,bm25"], "unknown strategy \"bm25\""),
                                 (["--strategies", "lora-qa", "--adapter", "a"], "--adapter cannot be combined with the LoRA arms"),
                                 (["--max-epochs", "0"], "--max-epochs and --lora-r must be ≥ 1"),
                                 (["--raft-learning-rate", "0"], "--raft-learning-rate > 0")] {
            let run = try RobustnessTests.run(binary, base + extra)
            #expect(run.status != 0 && run.stderr.contains(message), "\(extra): \(run.stderr)")
        }
        let missing = try RobustnessTests.run(binary, ["compare", "--qa", "qa.jsonl"])
        #expect(missing.status != 0 && missing.stderr.contains("--docs"))
    }

    @Test(.enabled(if: IndexCommandTests.hasBinary, "the ragtune binary is not built"))
    func planListsEveryArmWithoutLoadingModels() throws {
        let binary = try #require(IndexCommandTests.builtBinary())
        let dir = try RobustnessTests.folder(Self.notes)
        defer { try? FileManager.default.removeItem(at: dir) }
        let plan = try IndexCommandTests.runJSON(binary, ["compare", "--docs", dir.appendingPathComponent("docs").path,
                                                          "--qa", dir.appendingPathComponent("qa.jsonl").path, "--plan", "--json"])
        #expect(plan["evaluation_questions"] as? Int == 5 && plan["training_questions"] as? Int == 1 && plan["restricted_questions"] as? Int == 1)
        let steps = try #require(plan["steps"] as? [[String: Any]])
        #expect(steps.compactMap { $0["strategy"] as? String } == ["closed-book", "few-shot", "rag", "lora-docs", "lora-qa", "lora+rag", "raft"])
        #expect(steps.filter { $0["runs"] as? Bool == true }.count == 7)
        // 5 evaluation questions, the restricted one again as an outsider, the training question (an adapter arm
        // trains on it), and up to 5 (one per fact) about absent things.
        #expect(steps.first { $0["strategy"] as? String == "rag" }?["questions"] as? Int == 12)
    }

    /// With the store in OUT/store.sqlite, and in a PostgreSQL schema (`--store postgres://…`; the
    /// freshness probe's copy in `<schema>_updated`).
    @Test(.needsMiniLM, .needsSmolLM2, .enabled(if: IndexCommandTests.hasBinary, "the ragtune binary is not built"),
          arguments: StoreBackend.tested)
    func comparesArmsProbesAccessAndResumes(_ backend: StoreBackend) throws {
        let binary = try #require(IndexCommandTests.builtBinary())
        let dir = try RobustnessTests.folder(Self.notes)
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("out")
        var arguments = Self.arguments(dir) + ["--updates", dir.appendingPathComponent("updates").path]
        let database = backend == .postgres ? try backend.makeStore() : nil
        defer {
            database?.drop()
            if let location = database.flatMap({ try? PostgresLocation(url: $0.location) }) {
                try? PostgresStore.destroy(at: location.inSchema(location.schema + "_updated"))
            }
        }
        if let database { arguments += ["--store", database.location] }
        let first = try RobustnessTests.run(binary, arguments)
        #expect(first.status == 0, "\(first.stderr)")
        let report = try #require(try JSONSerialization.jsonObject(with: Data(first.stdout.utf8)) as? [String: Any])
        #expect(report["schema_version"] as? Int == 1 && report["order"] as? [String] == ["closed-book", "rag"])
        // e5 names a document that is not indexed: skipped and counted, not asked.
        let questions = try #require(report["questions"] as? [String: Int])
        #expect(questions["evaluation"] == 4 && questions["without_document"] == 1 && questions["total"] == 6)
        #expect(first.stderr.contains("1 evaluation questions name a \"doc\" that is not among the indexed documents"))
        let strategies = try #require(report["strategies"] as? [String: [String: Any]])
        let rag = try #require(strategies["rag"])
        let kinds = try #require(rag["by_kind"] as? [String: [String: Any]])
        #expect(kinds["designer"]?["questions"] as? Int == 3 && kinds["year"]?["questions"] as? Int == 1)
        // As an outsider, the restricted note is never retrieved: no answer, no citation of it.
        let access = try #require(rag["access"] as? [String: Int])
        #expect(access == ["asked": 1, "leaked": 0, "restricted_citations": 0])
        #expect(strategies["closed-book"]?["access"] is NSNull)
        // Questions about invented things: RAG refuses them; the model alone answers anyway.
        let refusals = try #require(rag["unanswerable"] as? [String: Int])
        #expect(refusals["asked"]! >= 3 && refusals["refused"]! >= refusals["asked"]! - 1)
        #expect((strategies["closed-book"]?["unanswerable"] as? [String: Int])?["refused"] == 0)
        // The invented facts are in the notes only: RAG answers them, the model alone cannot.
        let ragContains = try #require((rag["summary"] as? [String: Any])?["answer_contains"] as? [String: Double])
        #expect(ragContains["mean"]! >= 0.75)
        let comparison = try #require((report["comparisons"] as? [String: [String: Any]])?["closed-book - rag"])
        #expect((comparison["mcnemar"] as? [String: Any])?["p_value"] is Double)
        let verdict = try #require(report["verdict"] as? [String: Any])
        #expect(verdict["choice"] as? String == "rag" || (verdict["claims"] as? [String])?.first?.hasPrefix("No significant difference") == true)
        // The update changes one fact: RAG has it after one re-index of a copy of the store, closed-book never.
        let freshness = try #require(report["freshness"] as? [String: Any])
        #expect(freshness["changed_questions"] as? Int == 1 && freshness["updated_documents"] as? Int == 1)
        let fresh = try #require(freshness["arms"] as? [String: [String: Any]])
        #expect((fresh["rag"]?["before"] as? [String: Double])?["mean"] == 0 && (fresh["rag"]?["after"] as? [String: Double])?["mean"] == 1)
        #expect(fresh["closed-book"]?["after"] is NSNull)
        #expect((verdict["claims"] as? [String])?.contains { $0.hasPrefix("After the knowledge update (1 changed facts), rag answered 1.00") } == true)
        if let database {
            #expect(!FileManager.default.fileExists(atPath: out.appendingPathComponent("store.sqlite").path))
            #expect(try AnyDocumentStore.open(database.location, mode: .readOnly).counts().documents == 2)
            let updated = try PostgresLocation.url(database.location, inSchema: try PostgresLocation(url: database.location).schema + "_updated")
            #expect(try AnyDocumentStore.open(updated, mode: .readOnly).chunks().contains { $0.text.contains("finished in 1981") })
            #expect(((report["index"] as? [String: Any])?["bytes"] as? Int ?? 0) > 0)
        }
        let skipped = try #require(report["skipped"] as? [Any])
        #expect(skipped.isEmpty && report["forgetting"] is NSNull)
        // The report on disk is the one printed, and it validates against the published schema.
        let saved = try JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("report.json"))) as? [String: Any]
        let schema = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("docs/compare-report.schema.json")
        #expect(try JSONSchemaValidator(schema: Data(contentsOf: schema)).errors(in: try #require(saved)) == [])
        #expect((saved?["verdict"] as? [String: Any])?["choice"] as? String == verdict["choice"] as? String)

        // A second run finds every arm's answers saved and asks nothing again.
        let second = try RobustnessTests.run(binary, arguments)
        #expect(second.status == 0)
        #expect(second.stderr.contains("closed-book: answers saved by an earlier run") && second.stderr.contains("rag: answers saved by an earlier run"))
        #expect(second.stderr.contains("freshness: re-index and answers saved by an earlier run"))
        let again = try #require(try JSONSerialization.jsonObject(with: Data(second.stdout.utf8)) as? [String: Any])
        #expect((again["verdict"] as? [String: Any])?["claims"] as? [String] == verdict["claims"] as? [String])
    }

    @Test(.needsMiniLM, .needsSmolLM2, .enabled(if: IndexCommandTests.hasBinary, "the ragtune binary is not built"))
    func aKilledRunResumesWithTheArmItWasAnswering() throws {
        let binary = try #require(IndexCommandTests.builtBinary())
        let dir = try RobustnessTests.folder(Self.notes)
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("out")
        let arguments = Self.arguments(dir)
        // kill -9 as soon as the first arm's answers are saved (the second arm is then running).
        let saved = out.appendingPathComponent("strategies/closed-book.json").path
        try Self.kill(binary, arguments, within: 120) { FileManager.default.fileExists(atPath: saved) }
        #expect(FileManager.default.fileExists(atPath: saved))
        let resumed = try RobustnessTests.run(binary, arguments)
        #expect(resumed.status == 0, "\(resumed.stderr)")
        #expect(resumed.stderr.contains("closed-book: answers saved by an earlier run"))
        let report = try #require(try JSONSerialization.jsonObject(with: Data(resumed.stdout.utf8)) as? [String: Any])
        #expect(report["order"] as? [String] == ["closed-book", "rag"])

        // The same seed gives the same report from a fresh run, apart from timings.
        var fresh = Self.arguments(dir)
        fresh[fresh.firstIndex(of: "--out")! + 1] = dir.appendingPathComponent("out2").path
        let again = try RobustnessTests.run(binary, fresh)
        #expect(again.status == 0)
        let first = try Self.withoutTimings(Data(contentsOf: out.appendingPathComponent("report.json")))
        let second = try Self.withoutTimings(Data(contentsOf: dir.appendingPathComponent("out2/report.json")))
        #expect(first == second)
    }

    @Test(.needsMiniLM, .needsSmolLM2, .enabled(if: IndexCommandTests.hasBinary, "the ragtune binary is not built"))
    func trainsTheAdaptersResumesAfterKill9AndProbesThem() throws {
        let binary = try #require(IndexCommandTests.builtBinary())
        let dir = try RobustnessTests.folder(Self.notes)
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("out")
        let arguments = ["compare", "--docs", dir.appendingPathComponent("docs").path, "--qa", dir.appendingPathComponent("qa-lora.jsonl").path,
                         "--user", "board", "--strategies", "closed-book,lora-qa,lora+rag,raft,lora-docs", "--reversal-kind", "designed",
                         "--max-epochs", "3", "--rewrites", "1", "--replay", "2", "--unanswerable", "0", "--out", out.path, "--json"]
        // kill -9 once the first epoch's checkpoint is written; the re-run resumes training from it.
        let run = out.appendingPathComponent("adapters/lora-qa/run")
        func hasCheckpoint() -> Bool { ((try? FileManager.default.contentsOfDirectory(atPath: run.path)) ?? []).contains { $0.hasPrefix("checkpoint-") } }
        try Self.kill(binary, arguments, within: 300, when: hasCheckpoint)
        #expect(hasCheckpoint())
        let resumed = try RobustnessTests.run(binary, arguments, within: Self.trainingRunSeconds)
        #expect(resumed.status == 0, "\(resumed.stderr)")
        #expect(resumed.stderr.contains("closed-book: answers saved by an earlier run") && resumed.stderr.contains("resuming from the last checkpoint"))
        let report = try #require(try JSONSerialization.jsonObject(with: Data(resumed.stdout.utf8)) as? [String: Any])
        #expect(report["order"] as? [String] == ["closed-book", "lora-qa", "lora+rag", "raft", "lora-docs"])
        let strategies = try #require(report["strategies"] as? [String: [String: Any]])
        // Trained on t1, t2 and t4 (t3 is the reversal probe), each in its own wording, a template one and up to one
        // rewrite, and on 2 replay questions with the base model's answers.
        let training = try #require(strategies["lora-qa"]?["training"] as? [String: Any])
        #expect(training["questions"] as? Int == 3 && training["held_out_examples"] as? Int == 3 && training["resumed"] as? Bool == true)
        #expect(training["replay"] as? Int == 2 && (8...11).contains(training["examples"] as? Int ?? 0) && (training["epochs_trained"] as? Double ?? 9) <= 3)
        let adapter = try #require(training["adapter"] as? String)
        #expect(FileManager.default.fileExists(atPath: adapter + "/adapter_model.safetensors") && (training["adapter_bytes"] as? Int ?? 0) > 1_000_000)
        // Merged at the base's quantization, the model is the base file's size.
        #expect((training["merged_model_bytes"] as? Int ?? 0) > 50_000_000)
        #expect(strategies["closed-book"]?["training"] is NSNull && strategies["lora+rag"]?["training"] is [String: Any])
        // Every arm is asked the training facts: the three trained wordings and the reversal.
        for name in ["closed-book", "lora-qa", "lora+rag", "raft", "lora-docs"] {
            let probes = try #require(strategies[name]?["probes"] as? [String: [String: Any]])
            #expect(probes["trained"]?["questions"] as? Int == 3 && probes["reversal"]?["questions"] as? Int == 1 && probes["paraphrase"] == nil)
        }
        // The adapter was trained on the restricted t4: it is asked as an outsider, and whatever it learned counts as a leak.
        #expect((strategies["lora-qa"]?["access"] as? [String: Int])?["asked"] == 1)
        #expect(strategies["closed-book"]?["access"] is NSNull && strategies["lora-qa"]?["break_even_queries"] is NSNull)
        // raft trains the reader on the same three questions over their retrieved evidence (one held out), and as an
        // outsider it reads only what the outsider may see: it cannot copy the restricted answer.
        let raft = try #require(strategies["raft"]?["training"] as? [String: Any])
        #expect(raft["questions"] as? Int == 3 && raft["examples"] as? Int == 2 && raft["held_out_examples"] as? Int == 1)
        #expect(raft["without_oracle"] is Int && training["without_oracle"] is NSNull && raft["adapter"] as? String != adapter)
        #expect((strategies["raft"]?["access"] as? [String: Int]).map { [$0["asked"], $0["leaked"]] } == [1, 0])
        // lora-docs trains on the text of every chunk (the board's too) and the replay examples, and holds out the three
        // training questions.
        let docs = try #require(strategies["lora-docs"]?["training"] as? [String: Any])
        #expect(docs["questions"] as? Int == 0 && docs["held_out_examples"] as? Int == 3 && (docs["document_chunks"] as? Int ?? 0) >= 2)
        #expect(docs["examples"] as? Int == (docs["document_chunks"] as? Int ?? 0) + 2 && docs["replay"] as? Int == 2)
        #expect((strategies["lora-docs"]?["access"] as? [String: Int])?["asked"] == 1)
        // The fixed general-knowledge questions, to the base model and with the adapter.
        let forgetting = try #require(report["forgetting"] as? [String: Any])
        #expect(forgetting["questions"] as? Int == 30 && (forgetting["adapters"] as? [String: Any])?.keys.sorted() == ["lora-docs", "lora-qa", "raft"])
        #expect(((forgetting["base"] as? [String: Double])?["mean"] ?? 0) >= 0.3)
        let schema = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("docs/compare-report.schema.json")
        #expect(try JSONSchemaValidator(schema: Data(contentsOf: schema)).errors(in: report) == [])

        // A third run trains nothing and asks nothing again.
        let third = try RobustnessTests.run(binary, arguments, within: Self.trainingRunSeconds)
        #expect(third.status == 0)
        #expect(third.stderr.contains("lora-qa: adapter trained by an earlier run") && third.stderr.contains("lora+rag: answers saved by an earlier run")
                && third.stderr.contains("raft: adapter trained by an earlier run"))

        // A moved output folder trains afresh instead of failing on the checkpoints' recorded paths.
        let moved = dir.appendingPathComponent("moved")
        try FileManager.default.moveItem(at: out, to: moved)
        var raftOnly = arguments
        raftOnly[raftOnly.firstIndex(of: "--out")! + 1] = moved.path
        raftOnly[raftOnly.firstIndex(of: "--strategies")! + 1] = "raft"
        let fourth = try RobustnessTests.run(binary, raftOnly, within: Self.trainingRunSeconds)
        #expect(fourth.status == 0, "\(fourth.stderr)")
        #expect(fourth.stderr.contains("raft: training on 2 examples") && !fourth.stderr.contains("resuming"))
        // Trained again with the same seed, the adapter arm gives the same answers, scores and training curve.
        let again = try #require(try JSONSerialization.jsonObject(with: Data(fourth.stdout.utf8)) as? [String: Any])
        let measured: Set<String> = ["cpu_seconds", "peak_rss_mb", "adapter", "break_even_queries"]
        let raftAgain = try #require((again["strategies"] as? [String: Any])?["raft"])
        #expect(try Self.withoutTimings(JSONSerialization.data(withJSONObject: raftAgain), alsoIgnoring: measured)
                == Self.withoutTimings(JSONSerialization.data(withJSONObject: strategies["raft"]!), alsoIgnoring: measured))
    }

    @Test(.needsMiniLM, .needsSmolLM2, .enabled(if: IndexCommandTests.hasBinary, "the ragtune binary is not built"))
    func raftWithOneUsableTrainingQuestionSaysWhyItCannotTrain() throws {
        let binary = try #require(IndexCommandTests.builtBinary())
        let dir = try RobustnessTests.folder(Self.notes)
        defer { try? FileManager.default.removeItem(at: dir) }
        // qa.jsonl has one training question: nothing would be left to hold out.
        let run = try RobustnessTests.run(binary, ["compare", "--docs", dir.appendingPathComponent("docs").path,
                                                   "--qa", dir.appendingPathComponent("qa.jsonl").path, "--user", "board",
                                                   "--strategies", "raft", "--unanswerable", "0", "--out", dir.appendingPathComponent("out").path])
        #expect(run.status != 0 && run.stderr.contains("1 of the 1 training questions") && run.stderr.contains("at least 2 are needed"),
                "\(run.stderr)")
    }

    /// The watchdog of a compare run that trains adapters (three trainings and the forgetting probe
    /// take about a minute on 2 cores; a slower or busy machine must not fail the test).
    static let trainingRunSeconds = 900.0

    /// Runs `binary` with `arguments` and kills it with SIGKILL as soon as `condition` holds (or it
    /// exits, or `seconds` pass).
    static func kill(_ binary: URL, _ arguments: [String], within seconds: Double, when condition: () -> Bool) throws {
        let process = Process()
        process.executableURL = binary
        process.arguments = arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        let deadline = Date().addingTimeInterval(seconds)
        while !condition() && process.isRunning && Date() < deadline { usleep(20_000) }
        Foundation.kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    /// A report as sorted JSON text without its timings and sizes: the keys holding seconds, latencies
    /// or bytes (SQLite's WAL makes the store's size vary a little), and the seconds quoted in the verdict's claims.
    static func withoutTimings(_ data: Data, alsoIgnoring ignored: Set<String> = []) throws -> String {
        let timings: Set<String> = ["seconds", "latency_p50", "latency_p95", "reindex_seconds", "cpu_seconds_per_query", "bytes"]
        func strip(_ value: Any) -> Any {
            if let object = value as? [String: Any] {
                return object.filter { !timings.union(ignored).contains($0.key) }.mapValues(strip)
            }
            if let array = value as? [Any] { return array.map(strip) }
            if let text = value as? String {
                return text.replacingOccurrences(of: #"[0-9]+\.[0-9]+ s\b"#, with: "… s", options: .regularExpression)
            }
            return value
        }
        let stripped = strip(try JSONSerialization.jsonObject(with: data))
        return String(decoding: try JSONSerialization.data(withJSONObject: stripped, options: [.sortedKeys]), as: UTF8.self)
    }
}
