import Foundation
import RagTuneModels
import RagTuneRAG

extension CompareRunner {
    /// Asks the general-knowledge questions closed-book of the base model and of the model with
    /// each adapter in `adapters` (arm name → adapter), or reads the answers an earlier run saved.
    static func probeForgetting(_ job: CompareJob, adapters: [(name: String, adapter: LoRAAdapter)], runner: QARunner,
                                fingerprint: String, log: (String) -> Void,
                                progress: (_ stage: String, _ done: Int, _ total: Int) -> Void) throws -> ForgettingProbe? {
        guard !adapters.isEmpty else { return nil }
        let questions = ForgettingProbe.generalKnowledge
        let saved = try ForgettingAnswers.loadOrMake(URL(fileURLWithPath: "\(job.strategiesDirectory)/forgetting.json"), fingerprint: fingerprint) {
            log("forgetting: \(questions.count) general-knowledge questions to the base model and with \(adapters.map(\.name).joined(separator: ", "))")
            var right: [String: [Bool]] = [:]
            defer { try? setAdapter(nil, on: runner.generator) }
            for (name, adapter) in [("base", nil)] + adapters.map({ ($0.name, Optional($0.adapter)) }) {
                try setAdapter(adapter, on: runner.generator)
                right[name] = try questions.enumerated().map { i, item in
                    let attempt = try runner.answer(item.question, strategy: .closedBook)
                    progress("forgetting (\(name))", i + 1, questions.count)
                    return QAMetrics.contains(attempt.answer, item.answer) > 0
                }
            }
            return ForgettingAnswers(fingerprint: fingerprint, right: right)
        }
        func interval(_ flags: [Bool]) throws -> IntervalEstimate {
            IntervalEstimate(try Bootstrap.meanInterval(flags.map { $0 ? 1 : 0 }, seed: job.seed))
        }
        var adapterScores: [String: IntervalEstimate] = [:]
        for (name, _) in adapters { adapterScores[name] = try interval(saved.right[name] ?? []) }
        return ForgettingProbe(questions: questions.count, base: try interval(saved.right["base"] ?? []), adapters: adapterScores)
    }
}
