import Foundation
import Testing
import RagTuneModels
import RagTuneTensor
@testable import RagTuneTraining

/// The training loop on the tiny random decoder: accumulation, overfitting, determinism and
/// checkpoint/resume equivalence.
@Suite struct TrainerTests {
    /// `count` random sequences of 6–11 tokens, counted from the fourth token on.
    static func sequences(_ count: Int, seed: UInt64) -> [TrainingSequence] {
        var rng = SplitMix64(seed: seed)
        return (0..<count).map { _ in
            let ids = (0..<(7 + Int(rng.next() % 6))).map { _ in Int(rng.next() % 50) }
            return TrainingSequence(nextTokenOf: ids, trainable: ids.indices.map { $0 > 2 })
        }
    }

    static func job(_ change: (inout FineTuneJob) -> Void = { _ in }) -> FineTuneJob {
        var job = FineTuneJob()
        job.dataPath = "unused.jsonl"
        job.loraR = 4
        job.loraAlpha = 8
        job.loraDropout = 0.1
        job.learningRate = 1e-2
        job.microBatchSize = 2
        job.maxSteps = 12
        job.loggingSteps = 3
        job.seed = 5
        job.threads = 1
        change(&job)
        return job
    }

    static func trainer(_ job: FineTuneJob, train: [TrainingSequence] = sequences(6, seed: 1),
                        eval: [TrainingSequence] = sequences(3, seed: 2)) throws -> Trainer {
        try Trainer(job: job, base: TrainingFixtures.tinyModel(), train: train, eval: eval)
    }

    @Test func accumulatingTwoMicroBatchesOfOneEqualsOneBatchOfTwo() throws {
        let trainer = try Self.trainer(Self.job { $0.loraDropout = 0 })
        // random B so that every adapter matrix has a gradient
        var rng = SplitMix64(seed: 8)
        for i in trainer.model.parameters.values.indices { trainer.model.parameters.values[i] = rng.float(-0.3, 0.3) }
        let pair = [TrainingSequence(nextTokenOf: [1, 5, 9, 2, 7, 7, 3], trainable: [Bool](repeating: true, count: 7)),
                    TrainingSequence(nextTokenOf: [4, 8, 15, 16, 23, 42, 0, 11, 30], trainable: [false, false] + [Bool](repeating: true, count: 7))]
        let accumulated = try trainer.accumulate([[pair[0]], [pair[1]]], step: 0)
        let whole = try trainer.accumulate([pair], step: 0)
        #expect(accumulated.counted == whole.counted)
        #expect(abs(accumulated.loss - whole.loss) < 1e-6)
        let scale = whole.gradients.map(abs).max()!
        let worst = zip(accumulated.gradients, whole.gradients).map { abs($0 - $1) }.max()!
        #expect(scale > 1e-3)
        #expect(worst / scale < 1e-5, "max |Δgrad| \(worst) vs max |grad| \(scale)")
        // unweighted averaging of the two micro-batch means (the naive way) differs
        let means = try [pair[0], pair[1]].map { try trainer.model.lossAndGradients(batch: [$0]).gradients.values }
        let naive = zip(means[0], means[1]).map { ($0 + $1) / 2 }
        #expect(zip(naive, whole.gradients).map { abs($0 - $1) }.max()! / scale > 1e-3)
    }

    @Test func overfitsAFewExamples() throws {
        let job = Self.job { $0.loraR = 8; $0.loraAlpha = 16; $0.loraDropout = 0; $0.learningRate = 3e-2
            $0.maxSteps = 150; $0.lrSchedulerType = .constant; $0.microBatchSize = 3; $0.loggingSteps = 50 }
        let trainer = try Self.trainer(job, train: Self.sequences(3, seed: 4), eval: Self.sequences(3, seed: 4))
        let before = try trainer.evaluate()
        try trainer.run()
        let after = try #require(trainer.state.lastEvaluation?.evalLoss)
        print("overfit: eval loss \(before) → \(after) in \(trainer.state.step) steps")
        #expect(before > 2)
        #expect(after < 0.05)
    }

    @Test func sameSeedSameLossesOtherSeedOtherLosses() throws {
        let job = Self.job { $0.evalSteps = 4; $0.gradientAccumulationSteps = 2; $0.groupByLength = true }
        let first = try Self.trainer(job), second = try Self.trainer(job)
        try first.run()
        try second.run()
        #expect(first.state.stepLosses.count == 12)
        #expect(first.state.stepLosses == second.state.stepLosses)
        #expect(first.model.parameters == second.model.parameters)
        let other = try Self.trainer(Self.job { $0.evalSteps = 4; $0.gradientAccumulationSteps = 2; $0.seed = 6 })
        try other.run()
        #expect(other.state.stepLosses != first.state.stepLosses)
    }

    @Test func resumingFromACheckpointRepeatsTheUninterruptedRun() throws {
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("ft-resume-\(UUID().uuidString)").path
        let job = Self.job { $0.outputDir = output; $0.saveSteps = 4; $0.evalSteps = 3; $0.warmupSteps = 2
            $0.lrSchedulerType = .reduceOnPlateau; $0.lrSchedulerKwargs.patience = 0; $0.lrSchedulerKwargs.factor = 0.5
            $0.lrSchedulerKwargs.threshold = 0.5
            $0.earlyStoppingPatience = 50; $0.gradientAccumulationSteps = 2; $0.microBatchSize = 1; $0.weightDecay = 0.01 }
        let full = try Self.trainer(job)
        var checkpoints: [URL] = []
        try full.run { if case .checkpoint(let url) = $0 { checkpoints.append(url) } }
        #expect(checkpoints.map(\.lastPathComponent) == ["checkpoint-4", "checkpoint-8"])
        #expect(TrainerCheckpoint.latest(in: output)?.lastPathComponent == "checkpoint-8")
        #expect(full.state.plateau.scale < 1, "the plateau reducer must have acted for this test to cover it")
        for checkpoint in checkpoints {
            let resumed = try Self.trainer(job)
            try TrainerCheckpoint.restore(resumed, from: checkpoint)
            #expect(resumed.state.step == Int(checkpoint.lastPathComponent.dropFirst("checkpoint-".count)))
            try resumed.run()
            #expect(resumed.state.stepLosses == full.state.stepLosses)
            #expect(resumed.model.parameters == full.model.parameters)
            #expect(resumed.optimizer.firstMoment == full.optimizer.firstMoment)
            #expect(resumed.state.logHistory.compactMap(\.evalLoss) == full.state.logHistory.compactMap(\.evalLoss))
        }
        var changed = job
        changed.learningRate = 5e-3
        #expect(throws: TrainingError.self) { try TrainerCheckpoint.restore(try Self.trainer(changed), from: checkpoints[0]) }
        try? FileManager.default.removeItem(atPath: output)
    }

    @Test func plateauAndEarlyStoppingNeedAnEvalSet() {
        #expect(throws: TrainingError.self) { try Self.trainer(Self.job { $0.lrSchedulerType = .reduceOnPlateau }, eval: []) }
        #expect(throws: TrainingError.self) { try Self.trainer(Self.job { $0.earlyStoppingPatience = 2 }, eval: []) }
    }

    @Test func earlyStoppingEndsTheRun() throws {
        let job = Self.job { $0.maxSteps = 40; $0.evalSteps = 1; $0.earlyStoppingPatience = 1; $0.earlyStoppingThreshold = 10 }
        let trainer = try Self.trainer(job)
        try trainer.run()
        #expect(trainer.state.stoppedEarly && trainer.state.step == 2)
        // the untrained baseline is logged first and does not count towards the patience
        #expect(trainer.state.logHistory.compactMap { $0.evalLoss == nil ? nil : $0.step } == [0, 1, 2])
    }

    /// Issue 13.7: a non-finite loss stops the run with a clear error before the adapter or the
    /// optimizer change, and a checkpoint holding non-finite weights is refused on resume.
    @Test func nonFiniteValuesStopTrainingAndAreNeverResumed() throws {
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("ft-nan-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: output) }
        let trainer = try Self.trainer(Self.job { $0.loraDropout = 0; $0.outputDir = output })
        var rng = SplitMix64(seed: 8)
        for i in trainer.model.parameters.values.indices { trainer.model.parameters.values[i] = rng.float(-0.3, 0.3) }
        trainer.model.parameters.values[0] = .nan
        let moments = trainer.optimizer.firstMoment
        #expect {
            try trainer.step()
        } throws: { error in
            guard case TrainingError.nonFinite(let what) = error else { return false }
            return what.contains("step 1") && what.contains("not finite")
        }
        #expect(trainer.state.step == 0 && trainer.optimizer.firstMoment == moments && trainer.state.stepLosses.isEmpty)

        let poisoned = try TrainerCheckpoint.save(trainer)   // as a damaged or hand-edited checkpoint would be
        #expect {
            try TrainerCheckpoint.restore(try Self.trainer(Self.job { $0.loraDropout = 0; $0.outputDir = output }), from: poisoned)
        } throws: { "\($0)".contains("non-finite") }

        // An update that overflows (absurd learning rate, no clipping) is caught too.
        let exploding = try Self.trainer(Self.job { $0.loraDropout = 0; $0.learningRate = 1e38; $0.maxGradNorm = 0; $0.warmupSteps = 0 })
        for i in exploding.model.parameters.values.indices { exploding.model.parameters.values[i] = rng.float(-0.3, 0.3) }
        #expect(throws: TrainingError.self) { for _ in 0..<3 { _ = try exploding.step() } }
    }
}
