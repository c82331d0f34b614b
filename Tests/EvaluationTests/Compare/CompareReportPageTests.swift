import Foundation
import Testing
import RagTuneRAG
import RagTuneTestSupport
@testable import RagTuneEvaluation

/// `report.html` of a comparison: verdict first, one chart per view, escaped text, no scripts or
/// external resources; and in a real browser (headless Chromium) no console message at two widths.
@Suite struct CompareReportPageTests {
    /// A report of four strategies (one with an adapter) on eight questions of two kinds, built
    /// from synthetic answers.
    static func page() throws -> CompareReportPage {
        let golds = ["Kesttov Kanaxdro", "1980", "Gilith Ulzorqui", "1904", "Lonax Ithithost", "1982", "Droost Ravulka", "<b>1977</b>"]
        let kinds = ["designer", "year", "designer", "year", "designer", "year", "designer", "year"]
        func scores(_ strategy: QAStrategy, right: Int, tokens: Int, seconds: Double) -> [QAScore] {
            golds.enumerated().map { i, gold in
                QAScore(QAAttempt(strategy: strategy, answer: i < right ? gold : "I don't know", refused: false, citations: [], sources: [],
                                  promptTokens: tokens, completionTokens: 8, seconds: seconds, timings: [:]), gold: gold)
            }
        }
        let all = ["closed-book": scores(.closedBook, right: 0, tokens: 40, seconds: 0.2),
                   "few-shot": scores(.fewShot, right: 1, tokens: 120, seconds: 0.3),
                   "rag": scores(.rag, right: 7, tokens: 300, seconds: 0.5),
                   "lora-qa": scores(.closedBook, right: 1, tokens: 40, seconds: 0.2)]
        let order = ["closed-book", "few-shot", "rag", "lora-qa"]
        let training = AdapterTraining(questions: 6, examples: 20, heldOutExamples: 6, rewrites: 8, replay: 6, epochs: 9, epochsTrained: 11,
                                       heldOutLoss: 0.12, baselineHeldOutLoss: 4.5, stoppedEarly: true, loraR: 16, learningRate: 2e-3,
                                       seconds: 240, cpuSeconds: 470, resumed: false, peakRSSMB: 900, adapterBytes: 19_600_000,
                                       adapter: "out/adapters/lora-qa/run/checkpoint-45")
        func probe(_ mean: Double) -> KindScore { KindScore(questions: 4, answerContains: IntervalEstimate(mean: mean, lower: 0, upper: 1)) }
        let questions = golds.indices.map { CompareQuestion(pair: QAPair(id: "q\($0)", question: "Question \($0)?", answer: golds[$0]),
                                                            kind: kinds[$0], fact: "f\($0)", restricted: false, answerAfterUpdate: nil, isTraining: false) }
        var strategies: [String: CompareStrategyResult] = [:]
        for name in order {
            strategies[name] = CompareStrategyResult(summary: try QAStrategySummary(all[name]!, seed: 1),
                                                     byKind: try CompareRunner.byKind(all[name]!, questions, seed: 1),
                                                     probes: ["trained": probe(name == "lora-qa" ? 1 : 0), "paraphrase": probe(name == "rag" ? 1 : 0.5),
                                                              "reversal": probe(name == "rag" ? 1 : 0)],
                                                     access: name == "rag" ? AccessProbe(asked: 2, leaked: 0, restrictedCitations: 0)
                                                         : name == "lora-qa" ? AccessProbe(asked: 2, leaked: 2, restrictedCitations: 0) : nil,
                                                     unanswerable: UnanswerableProbe(asked: 3, refused: name == "rag" ? 3 : 0, answered: name == "rag" ? 0 : 3),
                                                     training: name == "lora-qa" ? training : nil, breakEvenQueries: name == "lora-qa" ? 1300 : nil,
                                                     seconds: 1, cpuSecondsPerQuery: 0.5)
        }
        var comparisons: [String: PairComparison] = [:]
        for (i, a) in order.enumerated() { for b in order[(i + 1)...] { comparisons["\(a) - \(b)"] = try CompareRunner.compare(all[a]!, all[b]!, seed: 1) } }
        let outcomes = order.map { StrategyOutcome(name: $0, correct: all[$0]!.map { $0.contains > 0 }, latencyP50: 0.3, tokensPerQuery: 100) }
        let report = CompareReport(qa: "qa.jsonl", documents: ["docs"], generator: "scripted", seed: 1,
                                   questions: .init(total: 10, evaluation: 8, training: 2, restricted: 2, overBudget: 0, withoutDocument: 0),
                                   index: .init(documents: 3, chunks: 6, seconds: 0.5, bytes: 65_536), strategies: strategies, order: order,
                                   skipped: [SkippedStrategy(strategy: "raft", reason: "not built yet")], comparisons: comparisons,
                                   freshness: FreshnessProbe(changedQuestions: 4, updatedDocuments: 2, reindexSeconds: 0.4, arms: [
                                       "closed-book": .init(before: IntervalEstimate(mean: 0, lower: 0, upper: 0), after: nil),
                                       "rag": .init(before: IntervalEstimate(mean: 0.25, lower: 0, upper: 0.75),
                                                    after: IntervalEstimate(mean: 1, lower: 1, upper: 1)),
                                   ]),
                                   forgetting: ForgettingProbe(questions: 30, base: IntervalEstimate(mean: 0.6, lower: 0.43, upper: 0.77),
                                                               adapters: ["lora-qa": IntervalEstimate(mean: 0.5, lower: 0.33, upper: 0.67)]),
                                   verdict: try Recommendation.decide(outcomes, seed: 1))
        let rows = questions.enumerated().map { i, q in
            CompareQuestionRow(id: q.pair.id, question: q.pair.question, gold: q.pair.answer, kind: q.kind,
                               answers: Dictionary(uniqueKeysWithValues: order.map { ($0, (all[$0]![i].attempt.answer, all[$0]![i].contains > 0)) }))
        }
        return CompareReportPage(report: report, rows: rows)
    }

    @Test func verdictComesFirstThenOneChartPerView() throws {
        let html = try Self.page().html()
        let verdict = try #require(html.range(of: "Verdict: use rag"))
        let firstChart = try #require(html.range(of: "<svg"))
        #expect(verdict.lowerBound < firstChart.lowerBound)
        #expect(html.components(separatedBy: "<svg").count - 1 == 6 && html.contains("<h2>Freshness</h2>"))
        #expect(html.contains("<h2>What an adapter learned</h2>") && html.contains("20 wordings of 6 questions (8 by the generator)"))
        #expect(html.contains("9 / 11") && html.contains("0.120 (4.500)") && html.contains("1300 queries"))
        #expect(html.contains("the base model answered 0.600 [0.430, 0.770], with the lora-qa adapter 0.500 [0.330, 0.670]."))
        let report = try Self.page().report
        let claim = Recommendation.adapterClaims(report.strategies, order: ["closed-book", "few-shot", "rag", "lora-qa"], forgetting: report.forgetting)
        #expect(claim == ["lora-qa, trained 9 epochs on 20 wordings of 6 questions (8 by the generator) in 240 s (470 CPU s), answered 1.00 [0.00, 1.00] of the "
                          + "trained questions (4), 0.50 [0.00, 1.00] of their paraphrases (4), 0.00 [0.00, 1.00] of the reversed questions (4); "
                          + "on the evaluation facts it was never trained on, 0.12.",
                          "On 30 general-knowledge questions the base model answered 0.60, with the lora-qa adapter 0.50 [0.33, 0.67]."])
        #expect(html.contains("&lt;b&gt;1977&lt;/b&gt;") && !html.contains("<b>1977</b>"))
        #expect(!html.contains("<script") && !html.contains("src=") && !html.contains("href="))
        #expect(html.contains("raft: not built yet") && html.contains("0 of 2 restricted facts answered"))
        #expect(html.contains("<details><summary>Every question's answers (8)</summary>"))
        #expect(html.contains("refused 3 of 3, answered 0 anyway") && html.contains("refused 0 of 3, answered 3 anyway"))
    }

    @Test(.needsBrowser) func loadsInChromiumWithoutConsoleMessagesAtTwoWidths() throws {
        let directory = ProcessInfo.processInfo.environment["RAGTUNE_SCREENSHOTS"].map { URL(fileURLWithPath: $0) }
            ?? FileManager.default.temporaryDirectory.appendingPathComponent("ragtune-report-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let page = directory.appendingPathComponent("compare-report.html")
        try Data(try Self.page().html().utf8).write(to: page)
        let loaded = try HeadlessBrowser.load(page)
        #expect(loaded.status == 0, "\(loaded.log)")
        #expect(loaded.console.isEmpty, "console: \(loaded.console)")
        #expect(loaded.dom.components(separatedBy: "<svg").count - 1 == 6 && loaded.dom.contains("Verdict: use rag"))
        for (width, name) in [(1000, "compare-report-wide.png"), (390, "compare-report-phone.png")] {
            let shot = directory.appendingPathComponent(name)
            let run = try HeadlessBrowser.load(page, width: width, screenshot: shot)
            #expect(run.status == 0 && run.console.isEmpty, "\(run.log)")
            let png = try Data(contentsOf: shot)
            #expect(png.count > 10_000 && png.prefix(4) == Data([0x89, 0x50, 0x4E, 0x47]))
        }
    }
}

/// The key paths of `report.json` (schema version 1), as `docs/compare-report.md` lists them.
@Suite struct CompareReportSchemaTests {
    @Test func reportKeysAreTheDocumentedOnes() throws {
        let report = try CompareReportPageTests.page().report
        let paths = try JSONKeys.paths(of: report, wildcards: ["strategies", "comparisons", "strategies.*.by_kind", "strategies.*.probes", "freshness.arms", "forgetting.adapters"])
        let documented = try String(contentsOf: URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("docs/compare-report.md"), encoding: .utf8)
        let listed = documented.split(separator: "\n").compactMap { line -> String? in
            guard line.hasPrefix("| `"), let end = line.dropFirst(3).firstIndex(of: "`") else { return nil }
            return String(line[line.index(line.startIndex, offsetBy: 3)..<end])
        }
        #expect(paths == listed.sorted(), "undocumented: \(Set(paths).subtracting(listed).sorted()); stale: \(Set(listed).subtracting(paths).sorted())")
    }
}

/// `report.json` against its published JSON Schema (`docs/compare-report.schema.json`).
@Suite struct CompareReportJSONSchemaTests {
    static let schemaFile = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("docs/compare-report.schema.json")

    static func json(_ report: CompareReport) throws -> Any {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return try JSONSerialization.jsonObject(with: encoder.encode(report))
    }

    @Test func aReportValidates() throws {
        let validator = try JSONSchemaValidator(schema: Data(contentsOf: Self.schemaFile))
        var report = try CompareReportPageTests.page().report
        #expect(validator.errors(in: try Self.json(report)) == [])
        report.freshness = nil
        report.forgetting = nil
        #expect(validator.errors(in: try Self.json(report)) == [])
    }

    @Test func theValidatorCatchesWhatTheSchemaForbids() throws {
        let validator = try JSONSchemaValidator(schema: Data(contentsOf: Self.schemaFile))
        var broken = try #require(try Self.json(CompareReportPageTests.page().report) as? [String: Any])
        broken["schema_version"] = 2
        broken["extra"] = true
        broken.removeValue(forKey: "order")
        var verdict = try #require(broken["verdict"] as? [String: Any])
        verdict["significant"] = "yes"
        broken["verdict"] = verdict
        let errors = validator.errors(in: broken)
        #expect(errors.contains("$: missing \"order\"") && errors.contains("$: unexpected key \"extra\""))
        #expect(errors.contains("$.schema_version: expected 1") && errors.contains("$.verdict.significant: expected boolean, found a string"))
        let unknown = try JSONSchemaValidator(schema: Data(#"{"type": "object", "patternProperties": {}}"#.utf8))
        #expect(unknown.errors(in: [String: Any]()) == ["$: the schema uses \"patternProperties\", which this validator does not know"])
    }
}
