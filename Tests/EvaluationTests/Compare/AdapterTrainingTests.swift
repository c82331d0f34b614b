import Testing
import RagTuneRAG
@testable import RagTuneEvaluation

/// The lora-qa training settings and its break-even against RAG, by hand.
@Suite struct AdapterTrainingTests {
    static func result(cpuPerQuery: Double, trainingCPU: Double?) throws -> CompareStrategyResult {
        let training = trainingCPU.map {
            AdapterTraining(questions: 1, examples: 3, heldOutExamples: 1, rewrites: 1, replay: 0, epochs: 2, epochsTrained: 4, heldOutLoss: 0.1,
                            baselineHeldOutLoss: 3, stoppedEarly: true, loraR: 16, learningRate: 2e-3, seconds: 1, cpuSeconds: $0,
                            resumed: false, peakRSSMB: 1, adapterBytes: 1, adapter: "a")
        }
        let score = QAScore(QAAttempt(strategy: .closedBook, answer: "a", refused: false, citations: [], sources: [], promptTokens: 1,
                                      completionTokens: 1, seconds: 1, timings: [:]), gold: "a")
        return CompareStrategyResult(summary: try QAStrategySummary([score], seed: 1), byKind: [:], probes: nil, access: nil, unanswerable: nil,
                                     training: training, breakEvenQueries: nil, seconds: 1, cpuSecondsPerQuery: cpuPerQuery)
    }

    @Test func trainingPaysBackWhenAnswersAreCheaperThanRAGs() throws {
        let rag = try Self.result(cpuPerQuery: 0.5, trainingCPU: nil)
        // 600 CPU s of training, 0.2 CPU s saved per query: 3000 queries.
        #expect(CompareRunner.breakEven(try Self.result(cpuPerQuery: 0.3, trainingCPU: 600), against: rag) == 3000)
        // 100 / 0.3 = 333.3…: a whole query more.
        #expect(CompareRunner.breakEven(try Self.result(cpuPerQuery: 0.2, trainingCPU: 100), against: rag) == 334)
        #expect(CompareRunner.breakEven(try Self.result(cpuPerQuery: 0.6, trainingCPU: 100), against: rag) == nil)
        #expect(CompareRunner.breakEven(try Self.result(cpuPerQuery: 0.1, trainingCPU: nil), against: rag) == nil)
    }

    @Test func trainingEvaluatesAndSavesOncePerEpochAndStopsOnHeldOutLoss() {
        var job = CompareJob(documents: ["d"], qaPath: "qa.jsonl", outputDirectory: "out")
        job.adapterEpochs = 7
        job.loraR = 8
        let fineTune = CompareRunner.fineTuneJob(job, directory: "out/adapters/lora-qa", examples: 10)
        #expect(fineTune.evalSteps == 3 && fineTune.saveSteps == 3 && fineTune.warmupSteps == 3)
        #expect(fineTune.numTrainEpochs == 7 && fineTune.loraR == 8 && fineTune.loraAlpha == 16 && fineTune.earlyStoppingPatience == 2)
        #expect(fineTune.lrSchedulerType == .constant && fineTune.learningRate == 2e-3 && fineTune.samplePrompts == 0)
        #expect(fineTune.dataPath == "out/adapters/lora-qa/train.jsonl" && fineTune.evalFile == "out/adapters/lora-qa/held-out.jsonl")
    }
}
