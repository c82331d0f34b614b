import ArgumentParser
import Foundation
import RagTuneEvaluation
import RagTuneModels
import RagTuneRAG
import RagTuneStorage
import RagTuneTensor

extension QAStrategy: ExpressibleByArgument {}

/// `ragtune eval qa`: closed-book, few-shot and RAG answers to the same questions, scored with
/// SQuAD's EM/F1, answer-contains, citation precision, refusal rate, retrieval hit rate, latency
/// and tokens, with bootstrap confidence intervals and paired differences between strategies.
struct EvalQACommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "qa",
        abstract: "Exact match, F1, answer-contains, citations, refusals and latency of closed-book, few-shot and RAG answers.",
        discussion: """
            QA lines: {"id", "question", "answer", ...}. Answers are scored against "answer" (or the field \
            --answer-field names, e.g. answer_v2). Citation precision (cited chunks containing the gold answer) \
            and retrieval hit rate (gold answer in the prompt's sources) are computed over questions whose \
            answer is not a bare yes/no. *_ungrounded scores what the generator wrote, before grounding replaced \
            unsupported answers by "not found". Intervals: bootstrap, 1,000 resamples, 95%.
            """)

    @Option(help: "QA file (JSONL).")
    var qa: String

    @Option(help: "The store built by `ragtune index` (needed by rag).")
    var store: String?

    @Option(name: .customLong("strategy"), help: "closed-book, few-shot or rag (repeatable; compared pairwise).")
    var strategies: [QAStrategy] = [.rag]

    @Option(name: .customLong("answer-field"), help: "The field holding the reference answer.")
    var answerField = "answer"

    @Option(help: "Evaluate only the first N questions.")
    var limit: Int?

    @Option(help: "Ask as this user (ACL).")
    var user: String?

    @Option(help: "Solved examples in a few-shot prompt (drawn from the QA file with --seed; never the question asked).")
    var shots: Int = 3

    @Option(help: "Seed for drawing few-shot examples and bootstrap resamples.")
    var seed: UInt64 = 42

    @Option(name: .customLong("max-tokens"), help: "Longest answer, in tokens.")
    var maxTokens: Int = 48

    @Option(help: "Write one JSON line per question and strategy to this file.")
    var details: String?

    @OptionGroup var rag: RAGOptions

    @OptionGroup var generatorOptions: GeneratorOptions

    @OptionGroup var threadOptions: ThreadOptions

    @Flag(help: "Print one JSON object on stdout.")
    var json = false

    func validate() throws {
        guard !strategies.isEmpty else { throw ValidationError("give at least one --strategy") }
        if strategies.contains(.rag), store == nil { throw ValidationError("--strategy rag needs --store") }
        guard limit.map({ $0 >= 1 }) ?? true else { throw ValidationError("--limit must be at least 1") }
        guard shots >= 0, maxTokens >= 1 else { throw ValidationError("--shots must be ≥ 0 and --max-tokens ≥ 1") }
    }

    func run() throws {
        let dataset = try QADataset(contentsOf: URL(fileURLWithPath: qa))
        var pairs = dataset.pairs
        if let limit { pairs = Array(pairs.prefix(limit)) }
        let golds = try pairs.map { pair -> String in
            guard let gold = answerField == "answer" ? pair.answer : pair.fields[answerField] else {
                throw ValidationError("\(qa): question \(pair.id) has no field \"\(answerField)\"")
            }
            return gold
        }
        let database = try store.map { try SQLiteStore(path: $0, mode: .readOnly) }
        let embedder = try MiniLMEmbedder(threads: threadOptions.threads)
        let generator = try generatorOptions.make(threads: threadOptions.threads)
        let pipeline = try database.map { try rag.pipeline(store: $0, generator: generator, embedder: embedder, maxAnswerTokens: maxTokens,
                                                                threads: threadOptions.threads) }
        var random = SplitMix64(seed: seed)
        let examples = dataset.pairs.indices.shuffled(using: &random).prefix(shots).map { (dataset.pairs[$0].question, dataset.pairs[$0].answer) }
        let runner = QARunner(generator: generator, pipeline: pipeline, maxAnswerTokens: maxTokens, examples: examples,
                              prompt: PromptBuilder(answerStyle: rag.answerStyle), yesNo: rag.yesNoAnswerer)
        let detailsFile = try details.map { try OutputSink(path: $0) }
        var scores: [QAStrategy: [QAScore]] = [:]
        var bar = ProgressBar("answering", total: pairs.count * strategies.count, unit: "answers")
        for (pair, gold) in zip(pairs, golds) {
            for strategy in strategies {
                let attempt = try runner.answer(pair.question, strategy: strategy, user: user)
                let score = QAScore(attempt, gold: gold)
                scores[strategy, default: []].append(score)
                if let detailsFile {
                    var line = score.json
                    line["id"] = pair.id
                    line["question"] = pair.question
                    try detailsFile.line(JSONText.object(line))
                }
                bar.update(scores.values.map(\.count).reduce(0, +))
            }
        }
        bar.finish(pairs.count * strategies.count)
        try detailsFile?.commit()
        var summary: [String: Any] = ["questions": pairs.count, "qa": qa, "answer_field": answerField,
                                      "generator": generator.name, "strategies": [:] as [String: Any]]
        var perStrategy: [String: Any] = [:]
        for strategy in strategies { perStrategy[strategy.rawValue] = try QAScore.summary(scores[strategy]!, seed: seed) }
        summary["strategies"] = perStrategy
        var differences: [String: Any] = [:]
        for (i, a) in strategies.enumerated() {
            for b in strategies[(i + 1)...] {
                differences["\(a.rawValue) - \(b.rawValue)"] = try QAScore.differences(scores[a]!, scores[b]!, seed: seed)
            }
        }
        summary["differences"] = differences
        if json {
            print(JSONText.object(summary))
            return
        }
        for strategy in strategies {
            let s = perStrategy[strategy.rawValue] as! [String: Any]
            func ci(_ key: String) -> String {
                let v = s[key] as! [String: Double]
                return String(format: "%.3f [%.3f, %.3f]", v["mean"]!, v["lower"]!, v["upper"]!)
            }
            print("\(strategy.rawValue): EM \(ci("exact_match"))  F1 \(ci("f1"))  contains \(ci("answer_contains"))")
            if strategy == .rag { print("    before grounding: F1 \(ci("f1_ungrounded"))  contains \(ci("answer_contains_ungrounded"))") }
            print(String(format: "    refusals %.1f%%  latency p50 %.2f s p95 %.2f s  %.0f tokens/query", 100 * (s["refusal_rate"] as! Double),
                         s["latency_p50"] as! Double, s["latency_p95"] as! Double, s["tokens_per_query"] as! Double))
        }
        for (name, value) in differences.sorted(by: { $0.key < $1.key }) {
            let d = value as! [String: [String: Double]]
            print(String(format: "%@: F1 %+.3f [%+.3f, %+.3f], contains %+.3f [%+.3f, %+.3f]", name,
                         d["f1"]!["mean"]!, d["f1"]!["lower"]!, d["f1"]!["upper"]!,
                         d["answer_contains"]!["mean"]!, d["answer_contains"]!["lower"]!, d["answer_contains"]!["upper"]!))
        }
    }
}

/// One answer's scores (citation markers are removed from the answer before comparing).
struct QAScore {
    var attempt: QAAttempt
    var gold: String
    var exactMatch: Double, f1: Double, contains: Double
    /// F1 and answer-contains of what the generator wrote, before grounding replaced refused answers.
    var ungroundedF1: Double, ungroundedContains: Double
    /// Cited chunks containing the gold answer / cited chunks; nil for yes/no golds or no citations.
    var citationPrecision: Double?
    /// Whether the prompt's sources contain the gold answer; nil for yes/no golds and non-RAG strategies.
    var retrievalHit: Double?

    init(_ attempt: QAAttempt, gold: String) {
        self.attempt = attempt
        self.gold = gold
        let answer = Grounder.removingCitations(attempt.answer)
        exactMatch = QAMetrics.exactMatch(answer, gold)
        f1 = QAMetrics.f1(answer, gold)
        contains = QAMetrics.contains(answer, gold)
        let written = attempt.refused ? Grounder.removingCitations(attempt.generated ?? "") : answer
        ungroundedF1 = QAMetrics.f1(written, gold)
        ungroundedContains = QAMetrics.contains(written, gold)
        let checkable = !QAMetrics.isYesNo(gold)
        citationPrecision = checkable && !attempt.citations.isEmpty
            ? attempt.citations.map { QAMetrics.contains($0.chunk.chunk.text, gold) }.reduce(0, +) / Double(attempt.citations.count)
            : nil
        retrievalHit = checkable && attempt.strategy == .rag
            ? QAMetrics.contains(attempt.sources.map(\.shownText).joined(separator: " "), gold) : nil
    }

    var json: [String: Any] {
        ["strategy": attempt.strategy.rawValue, "gold": gold, "answer": attempt.answer, "em": exactMatch, "f1": f1,
         "contains": contains, "refused": attempt.refused, "refusal": attempt.refusal?.rawValue ?? NSNull(),
         "generated": attempt.generated ?? NSNull(),
         "citations": attempt.citations.map { ["n": $0.number, "doc_id": $0.chunk.chunk.documentID, "chunk": $0.chunk.chunk.ordinal] },
         "citation_precision": citationPrecision ?? NSNull(), "retrieval_hit": retrievalHit ?? NSNull(),
         "seconds": attempt.seconds, "prompt_tokens": attempt.promptTokens, "completion_tokens": attempt.completionTokens,
         "timings": attempt.timings]
    }

    static func summary(_ scores: [QAScore], seed: UInt64) throws -> [String: Any] {
        func interval(_ values: [Double]) throws -> [String: Double] {
            let ci = try Bootstrap.meanInterval(values, seed: seed)
            return ["mean": ci.estimate, "lower": ci.lower, "upper": ci.upper]
        }
        func mean(_ values: [Double]) -> Any { values.isEmpty ? NSNull() : values.reduce(0, +) / Double(values.count) }
        let seconds = scores.map(\.attempt.seconds).sorted()
        return [
            "exact_match": try interval(scores.map(\.exactMatch)), "f1": try interval(scores.map(\.f1)),
            "answer_contains": try interval(scores.map(\.contains)),
            "f1_ungrounded": try interval(scores.map(\.ungroundedF1)),
            "answer_contains_ungrounded": try interval(scores.map(\.ungroundedContains)),
            "citation_precision": mean(scores.compactMap(\.citationPrecision)),
            "citation_precision_questions": scores.compactMap(\.citationPrecision).count,
            "refusal_rate": Double(scores.filter(\.attempt.refused).count) / Double(scores.count),
            "retrieval_hit_rate": mean(scores.compactMap(\.retrievalHit)),
            "retrieval_hit_questions": scores.compactMap(\.retrievalHit).count,
            "latency_p50": Bootstrap.quantile(seconds, 0.5), "latency_p95": Bootstrap.quantile(seconds, 0.95),
            "tokens_per_query": Double(scores.map { $0.attempt.promptTokens + $0.attempt.completionTokens }.reduce(0, +)) / Double(scores.count),
            "completion_tokens_per_query": Double(scores.map(\.attempt.completionTokens).reduce(0, +)) / Double(scores.count),
        ]
    }

    /// Paired bootstrap intervals of a − b for F1, answer-contains and exact match.
    static func differences(_ a: [QAScore], _ b: [QAScore], seed: UInt64) throws -> [String: [String: Double]] {
        var result: [String: [String: Double]] = [:]
        for (name, metric) in [("f1", \QAScore.f1), ("answer_contains", \QAScore.contains), ("exact_match", \QAScore.exactMatch),
                               ("f1_ungrounded", \QAScore.ungroundedF1), ("answer_contains_ungrounded", \QAScore.ungroundedContains)] {
            let ci = try Bootstrap.pairedDifferenceInterval(a.map { $0[keyPath: metric] }, b.map { $0[keyPath: metric] }, seed: seed)
            result[name] = ["mean": ci.estimate, "lower": ci.lower, "upper": ci.upper]
        }
        return result
    }
}
