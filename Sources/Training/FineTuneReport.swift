import Foundation
import RagTuneCharts

/// A held-out prompt answered greedily before and after fine-tuning.
public struct SampleGeneration: Sendable, Equatable, Codable {
    /// The last user message of the prompt.
    public var prompt: String
    /// The reply in the data.
    public var reference: String
    public var before: String
    public var after: String

    public init(prompt: String, reference: String, before: String, after: String) {
        self.prompt = prompt
        self.reference = reference
        self.before = before
        self.after = after
    }
}

/// The self-contained `report.html` of a fine-tuning run: settings, summary numbers, inline
/// SVG charts of the training/eval loss and the learning rate, and sample generations before
/// and after training. No scripts or external resources, so it opens offline.
public struct FineTuneReport: Sendable {
    public var job: FineTuneJob
    public var state: TrainerState
    /// Summary rows (name, value) in display order.
    public var summary: [(String, String)]
    public var samples: [SampleGeneration]

    public init(job: FineTuneJob, state: TrainerState, summary: [(String, String)], samples: [SampleGeneration]) {
        self.job = job
        self.state = state
        self.summary = summary
        self.samples = samples
    }

    /// The whole HTML document.
    public func html() -> String {
        let e = SVGLineChart.escape
        let train = state.logHistory.compactMap { entry in entry.loss.map { (x: Double(entry.step), y: $0) } }
        let steps = state.stepLosses.enumerated().map { (x: Double($0.offset + 1), y: $0.element) }
        let evals = state.logHistory.compactMap { entry in entry.evalLoss.map { (x: Double(entry.step), y: $0) } }
        let rates = state.logHistory.compactMap { entry in entry.learningRate.map { (x: Double(entry.step), y: $0) } }
        let loss = SVGLineChart(title: "Loss", xLabel: "step", series: [
            .init(name: "train (per step)", color: "#9ecae1", points: steps),
            .init(name: "train (logged mean)", color: "#3182bd", points: train),
            .init(name: "eval", color: "#e6550d", points: evals),
        ])
        let rate = SVGLineChart(title: "Learning rate", xLabel: "step",
                                series: [.init(name: "learning rate", color: "#31a354", points: rates)])
        var html = """
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8"><title>RagTune fine-tuning report</title>
            <style>
            body { font-family: system-ui, sans-serif; margin: 2em; max-width: 980px; color: #222; }
            table { border-collapse: collapse; margin: 1em 0; } td, th { border: 1px solid #ddd; padding: 4px 8px;
            text-align: left; vertical-align: top; } th { background: #f5f5f5; } .note { color: #777; }
            pre { white-space: pre-wrap; margin: 0; font-family: ui-monospace, monospace; font-size: 13px; }
            </style></head><body>
            <h1>Fine-tuning report</h1>
            <p>LoRA r=\(job.loraR), α=\(e(String(job.loraAlpha))) on \(e(job.loraTargetModules.map(\.rawValue).joined(separator: ", "))) of
            <code>\(e(job.baseModel))</code>, data <code>\(e(job.dataPath ?? ""))</code>.</p>
            <h2>Summary</h2><table>
            """
        for (name, value) in summary { html += "<tr><th>\(e(name))</th><td>\(e(value))</td></tr>" }
        html += "</table>\n<h2>Curves</h2>\n" + loss.render() + "\n" + rate.render() + "\n"
        if !samples.isEmpty {
            html += "<h2>Held-out samples (greedy)</h2><table><tr><th>prompt</th><th>reference</th><th>before</th><th>after</th></tr>"
            for s in samples {
                html += "<tr>" + [s.prompt, s.reference, s.before, s.after].map { "<td><pre>\(e($0))</pre></td>" }.joined() + "</tr>"
            }
            html += "</table>\n"
        }
        html += "<h2>Settings</h2><table>"
        for setting in FineTuneJob.settings.sorted(by: { $0.key < $1.key }) {
            guard let value = try? setting.jsonText(of: job) else { continue }
            html += "<tr><th>\(e(setting.key))</th><td>\(e(value))</td></tr>"
        }
        return html + "</table>\n</body></html>\n"
    }
}
