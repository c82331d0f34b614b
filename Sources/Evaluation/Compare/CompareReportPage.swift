import Foundation
import RagTuneCharts

/// One evaluation question with every strategy's answer, for the report's per-question table.
public struct CompareQuestionRow: Sendable {
    public var id, question, gold, kind: String
    /// Strategy name → (answer, whether it counts as right).
    public var answers: [String: (answer: String, right: Bool)]
}

/// The self-contained `report.html` of a comparison: the verdict first, then SVG charts
/// (accuracy with 95% intervals, accuracy per kind of question, freshness, the training facts
/// asked as trained, paraphrased and reversed, latency against accuracy, tokens per answer), the
/// tables behind them (with the adapter's training), and every question's answers (collapsed). No scripts and
/// no external resources, so it opens offline; it narrows to a phone's width.
public struct CompareReportPage: Sendable {
    public var report: CompareReport
    public var rows: [CompareQuestionRow]

    public init(report: CompareReport, rows: [CompareQuestionRow]) {
        self.report = report
        self.rows = rows
    }

    /// Colours by strategy, in `CompareStrategy` order.
    static let palette = ["#969696", "#74c476", "#3182bd", "#fd8d3c", "#e6550d", "#756bb1", "#dd3497"]

    static func color(_ strategy: String) -> String {
        palette[(CompareStrategy.allCases.firstIndex { $0.rawValue == strategy } ?? 0) % palette.count]
    }

    /// The whole HTML document.
    public func html() -> String {
        let e = SVG.escape
        let order = report.order
        let summaries = order.compactMap { report.strategies[$0]?.summary }
        func bar(_ estimate: IntervalEstimate) -> SVGBarChart.Bar { .init(estimate.mean, lower: estimate.lower, upper: estimate.upper) }
        let accuracy = SVGBarChart(title: "Accuracy (95% bootstrap intervals)", groups: order, series: [
            .init(name: "answer-contains", color: "#3182bd", bars: summaries.map { bar($0.answerContains) }),
            .init(name: "token F1", color: "#9ecae1", bars: summaries.map { bar($0.f1) }),
        ], yLabel: "share of questions")
        let kinds = Array(Set(order.flatMap { report.strategies[$0]?.byKind.keys.map { $0 } ?? [] })).sorted()
        let byKind = SVGBarChart(title: "Answer-contains by kind of question", groups: kinds, series: order.map { name in
            .init(name: name, color: Self.color(name), bars: kinds.map { kind in report.strategies[name]?.byKind[kind].map { bar($0.answerContains) } })
        }, yLabel: "answer-contains")
        let latency = SVGScatterChart(title: "Median latency against accuracy", xLabel: "seconds per answer (p50)", yLabel: "answer-contains",
                                      points: zip(order, summaries).map { .init(label: $0, x: $1.latencyP50, y: $1.answerContains.mean, color: Self.color($0)) })
        let cost = SVGBarChart(title: "Tokens per answer (prompt + completion)", groups: order, series: [
            .init(name: "tokens", color: "#fd8d3c", bars: summaries.map { .init($0.tokensPerQuery) }),
        ], yLabel: "tokens")

        var html = """
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
            <title>RagTune comparison</title>
            <style>
            body { font-family: system-ui, sans-serif; margin: 1em auto; padding: 0 1em; max-width: 980px; color: #222; }
            .verdict { border-left: 4px solid #3182bd; background: #f3f8fc; padding: 0.5em 1em; }
            .scroll { overflow-x: auto; } table { border-collapse: collapse; margin: 0.5em 0 1.5em; font-size: 14px; }
            td, th { border: 1px solid #ddd; padding: 4px 8px; text-align: left; vertical-align: top; } th { background: #f5f5f5; }
            td.num { text-align: right; font-variant-numeric: tabular-nums; } .right { color: #2c7a2c; } .wrong { color: #b22; }
            .note { color: #777; } svg { display: block; margin: 1em 0; }
            </style></head><body>
            <h1>RAG, fine-tuning or prompting: measured</h1>
            <p class="note">\(report.questions.evaluation) evaluation questions (\(report.questions.training) in the training split,
            \(report.questions.restricted) restricted\(report.questions.overBudget > 0 ? ", \(report.questions.overBudget) more over the question budget not asked" : "")) from <code>\(e(report.qa))</code> over \(report.index.documents) documents
            (\(report.index.chunks) chunks, \(String(format: "%.1f", Double(report.index.bytes) / 1e6)) MB on disk) in <code>\(e(report.documents.joined(separator: ", ")))</code>; generator \(e(report.generator)), seed \(report.seed).</p>
            <section class="verdict"><h2>Verdict: use \(e(report.verdict.choice))</h2><ul>
            """
        for claim in report.verdict.claims { html += "<li>\(e(claim))</li>" }
        html += "</ul></section>\n<h2>Accuracy</h2>\n" + accuracy.render() + "\n"
        if kinds.count > 1 { html += byKind.render() + "\n" }
        if let freshness = report.freshness {
            let arms = order.filter { freshness.arms[$0] != nil }
            let chart = SVGBarChart(title: "Changed facts right, before and after the update", groups: arms, series: [
                .init(name: "before (old index, untrained model)", color: "#bdbdbd", bars: arms.map { bar(freshness.arms[$0]!.before) }),
                .init(name: "after one re-index", color: "#3182bd", bars: arms.map { freshness.arms[$0]!.after.map(bar) }),
            ], yLabel: "answer-contains vs answer_v2")
            html += "<h2>Freshness</h2>\n<p>\(freshness.changedQuestions) evaluation questions change their answer with the update; "
                + "re-indexing \(freshness.updatedDocuments) updated documents took \(String(format: "%.1f", freshness.reindexSeconds)) s.</p>\n"
                + chart.render() + "\n"
        }
        html += probesSection()
        html += "<h2>Latency and cost</h2>\n" + latency.render() + "\n" + cost.render() + "\n"
        html += "<h2>Strategies</h2><div class=\"scroll\"><table><tr><th>strategy</th><th>answer-contains</th><th>token F1</th>"
            + "<th>exact match</th><th>refusals</th><th>p50 / p95 s</th><th>CPU s per answer</th><th>tokens per answer</th><th>outsider probe</th>"
            + "<th>not in the documents</th></tr>"
        for (name, s) in zip(order, summaries) {
            let unanswerable = report.strategies[name]?.unanswerable.map { "refused \($0.refused) of \($0.asked), answered \($0.answered) anyway" } ?? "–"
            let access = report.strategies[name]?.access.map { "\($0.leaked) of \($0.asked) restricted facts answered, \($0.restrictedCitations) restricted citations" } ?? "–"
            html += "<tr><th>\(e(name))</th><td class=\"num\">\(s.answerContains.formatted())</td><td class=\"num\">\(s.f1.formatted())</td>"
                + "<td class=\"num\">\(s.exactMatch.formatted())</td><td class=\"num\">\(String(format: "%.0f%%", 100 * s.refusalRate))</td>"
                + "<td class=\"num\">\(String(format: "%.2f / %.2f", s.latencyP50, s.latencyP95))</td>"
                + "<td class=\"num\">\(String(format: "%.2f", report.strategies[name]?.cpuSecondsPerQuery ?? 0))</td>"
                + "<td class=\"num\">\(String(format: "%.0f", s.tokensPerQuery))</td><td>\(e(access))</td><td>\(e(unanswerable))</td></tr>"
        }
        html += "</table></div>\n"
        if !report.comparisons.isEmpty {
            html += "<h2>Pairwise</h2><div class=\"scroll\"><table><tr><th>pair</th><th>answer-contains difference</th><th>token F1 difference</th>"
                + "<th>McNemar (only first right / only second right)</th><th>smallest detectable difference</th></tr>"
            for (pair, c) in report.comparisons.sorted(by: { $0.key < $1.key }) {
                let mde = c.minimumDetectableDifference.map { String(format: "%.3f", $0) } ?? "– (never disagreed)"
                html += "<tr><th>\(e(pair))</th><td class=\"num\">\(c.difference.answerContains.formatted(signed: true))</td>"
                    + "<td class=\"num\">\(c.difference.f1.formatted(signed: true))</td>"
                    + "<td class=\"num\">p = \(String(format: "%.3g", c.mcnemar.pValue)) (\(c.mcnemar.onlyFirst) / \(c.mcnemar.onlySecond))</td>"
                    + "<td class=\"num\">\(mde)</td></tr>"
            }
            html += "</table></div>\n"
        }
        if !report.skipped.isEmpty {
            html += "<h2>Not run</h2><ul>" + report.skipped.map { "<li>\(e($0.strategy)): \(e($0.reason))</li>" }.joined() + "</ul>\n"
        }
        html += "<details><summary>Every question's answers (\(rows.count))</summary><div class=\"scroll\"><table><tr><th>id</th><th>kind</th>"
            + "<th>question</th><th>gold</th>" + order.map { "<th>\(e($0))</th>" }.joined() + "</tr>"
        for row in rows {
            html += "<tr><td>\(e(row.id))</td><td>\(e(row.kind))</td><td>\(e(row.question))</td><td>\(e(row.gold))</td>"
            for name in order {
                guard let answer = row.answers[name] else { html += "<td></td>"; continue }
                html += "<td class=\"\(answer.right ? "right" : "wrong")\">\(e(answer.answer))</td>"
            }
            html += "</tr>"
        }
        return html + "</table></div></details>\n</body></html>\n"
    }

    /// The training-facts probes (trained wording, paraphrase, reversal) as a chart, and the
    /// adapter's training as a table; empty when no arm trained.
    func probesSection() -> String {
        let e = SVG.escape
        let order = report.order.filter { report.strategies[$0]?.probes != nil }
        guard !order.isEmpty else { return "" }
        let groups = ["trained", "paraphrase", "reversal"].filter { group in order.contains { report.strategies[$0]?.probes?[group] != nil } }
        let chart = SVGBarChart(title: "Training facts: asked as trained, paraphrased, reversed", groups: groups, series: order.map { name in
            .init(name: name, color: Self.color(name), bars: groups.map { group in
                report.strategies[name]?.probes?[group].map { .init($0.answerContains.mean, lower: $0.answerContains.lower, upper: $0.answerContains.upper) }
            })
        }, yLabel: "answer-contains")
        let counts = groups.map { group in "\(report.strategies[order[0]]?.probes?[group]?.questions ?? 0) \(group)" }.joined(separator: ", ")
        var html = "<h2>What an adapter learned</h2>\n<p>Questions about the training facts (\(counts)): the wording trained on, "
            + "and paraphrases and reversals that were never trained on.</p>\n" + chart.render() + "\n"
        if let forgetting = report.forgetting {
            html += "<p>Forgetting: on \(forgetting.questions) fixed general-knowledge questions (closed-book) the base model answered "
                + forgetting.base.formatted() + forgetting.adapters.sorted { $0.key < $1.key }.map { ", with the \(e($0.key)) adapter " + $0.value.formatted() }.joined()
                + ".</p>\n"
        }
        let trained = report.order.filter { report.strategies[$0]?.training != nil }
        guard !trained.isEmpty else { return html }
        html += "<div class=\"scroll\"><table><tr><th>strategy</th><th>trained on</th><th>epochs used / trained</th><th>held-out loss (base)</th>"
            + "<th>training s (CPU s)</th><th>peak RSS</th><th>adapter</th><th>pays back after</th></tr>"
        for name in trained {
            guard let result = report.strategies[name], let t = result.training else { continue }
            let loss = (t.heldOutLoss.map { String(format: "%.3f", $0) } ?? "–") + (t.baselineHeldOutLoss.map { String(format: " (%.3f)", $0) } ?? "")
            html += "<tr><th>\(e(name))</th><td>\(e(t.trainedOn))</td>"
                + "<td class=\"num\">\(String(format: "%.0f / %.0f", t.epochs, t.epochsTrained))</td><td class=\"num\">\(loss)</td>"
                + "<td class=\"num\">\(String(format: "%.0f (%.0f)", t.seconds, t.cpuSeconds))</td>"
                + "<td class=\"num\">\(String(format: "%.0f MB", t.peakRSSMB))</td>"
                + "<td class=\"num\">\(String(format: "%.1f MB", Double(t.adapterBytes) / 1e6))"
                + (t.mergedModelBytes.map { String(format: " (merged model %.1f MB)", Double($0) / 1e6) } ?? "") + "</td>"
                + "<td class=\"num\">\(result.breakEvenQueries.map { String(format: "%.0f queries", $0) } ?? "–")</td></tr>"
        }
        return html + "</table></div>\n"
    }
}
