import Foundation
import Testing
@testable import RagTuneEvaluation

/// The `compare` QA schema: optional fields, splits that keep a fact's questions together, and
/// clear errors for bad lines.
@Suite struct CompareQuestionsTests {
    /// Three questions about each of 40 facts.
    private static let byFact = (0..<40).flatMap { fact in
        ["fwd", "rev", "para"].map { kind in
            #"{"id": "\#(kind)\#(fact)", "question": "Question \#(kind) \#(fact)?", "answer": "A\#(fact)", "kind": "\#(kind)", "entity": \#(fact), "restricted": \#(fact % 4 == 0)}"#
        }
    }.joined(separator: "\n")

    @Test func aFactsQuestionsShareTheirSplit() throws {
        try TestFiles.with(Self.byFact, name: "qa.jsonl") { url in
            let questions = try CompareQuestions(path: url.path, factField: "entity", trainShare: 0.5, seed: 7)
            #expect(questions.all.count == 120)
            let splits = Dictionary(grouping: questions.all, by: \.fact).mapValues { Set($0.map(\.isTraining)) }
            #expect(splits.values.allSatisfy { $0.count == 1 })
            let training = splits.values.filter { $0 == [true] }.count
            #expect(training > 8 && training < 32)
            #expect(questions.all.filter(\.restricted).count == 30 && questions.all[1].kind == "rev")
            // The same seed gives the same split; by question id, a fact's questions scatter.
            #expect(try CompareQuestions(path: url.path, factField: "entity", seed: 7).all == questions.all)
            let byID = try CompareQuestions(path: url.path, factField: "none", seed: 7)
            #expect(Dictionary(grouping: byID.all, by: { $0.pair.answer }).values.contains { Set($0.map(\.isTraining)).count == 2 })
        }
    }

    @Test func anExplicitSplitIsKept() throws {
        let qa = """
            {"id": 1, "question": "Q1?", "answer": "a", "split": "train"}
            {"id": 2, "question": "Q2?", "answer": "b", "split": "eval", "answer_v2": "c"}
            """
        try TestFiles.with(qa, name: "qa.jsonl") { url in
            let questions = try CompareQuestions(path: url.path)
            #expect(questions.training.map(\.pair.id) == ["1"] && questions.evaluation.map(\.pair.id) == ["2"])
            #expect(questions.evaluation[0].answerAfterUpdate == "c" && questions.evaluation[0].kind == "-")
        }
    }

    @Test func badLinesAreNamed() throws {
        let cases = [
            (#"{"id": 1, "question": "Q?", "answer": "a", "split": "test"}"#, "\"split\" is \"test\", not train or eval"),
            (#"{"id": 1, "question": "Q?", "answer": "a", "restricted": "maybe"}"#, "\"restricted\" is \"maybe\", not true or false"),
            ("{\"id\": 1, \"question\": \"Q?\", \"answer\": \"a\", \"split\": \"eval\"}\n{\"id\": 2, \"question\": \"Q?\", \"answer\": \"b\"}",
             "1 of 2 questions set \"split\""),
            (#"{"id": 1, "question": "Q?", "answer": "a", "split": "train"}"#, "no evaluation question"),
            (#"{"id": 1, "question": "Q?", "answer": ""}"#, "field \"answer\" is empty"),
        ]
        for (contents, message) in cases {
            let text = try TestFiles.with(contents, name: "qa.jsonl") { url in TestFiles.errorText { _ = try CompareQuestions(path: url.path) } }
            #expect(text?.contains(message) == true, "\(contents): \(text ?? "no error")")
            #expect(text?.contains("qa.jsonl") == true)
        }
    }

    @Test func thePlanEstimatesEveryArm() throws {
        try TestFiles.with(Self.byFact, name: "qa.jsonl") { url in
            var job = CompareJob(documents: ["docs"], qaPath: url.path, outputDirectory: "out")
            job.factField = "entity"
            job.seed = 7
            job.paraphraseKinds = ["para"]
            job.reversalKinds = ["rev"]
            let questions = try job.questions()
            let plan = ComparePlan(job, questions: questions)
            #expect(plan.steps.map(\.strategy) == CompareStrategy.allCases.map(\.rawValue))
            #expect(plan.steps.filter(\.runs).map(\.strategy) == CompareStrategy.allCases.map(\.rawValue))
            let facts = Set(questions.evaluation.map(\.fact)).count
            let probes = questions.training.count, unanswerable = min(30, facts)
            let restricted = questions.evaluation.filter(\.restricted).count
            let restrictedTrained = questions.trained.filter(\.restricted).count
            #expect(questions.trained.count * 3 == probes && questions.trained.allSatisfy { $0.kind == "fwd" })
            let step = { (name: String) in plan.steps.first { $0.strategy == name }! }
            #expect(step("rag").questions == questions.evaluation.count + restricted + probes + unanswerable)
            #expect(step("closed-book").questions == questions.evaluation.count + probes + unanswerable)
            // The adapter arms ask the restricted facts they were trained on as an outsider; lora-qa trains the adapter once.
            #expect(step("lora-qa").questions == questions.evaluation.count + restrictedTrained + probes + unanswerable)
            #expect(step("lora+rag").questions == questions.evaluation.count + restricted + restrictedTrained + probes + unanswerable)
            let wordings = questions.trained.count * 4
            #expect(step("lora-qa").note.hasPrefix("train an adapter on up to \(wordings) wordings of \(questions.trained.count) questions and 30 replay examples (at most 20 epochs)"))
            let training = Double(questions.trained.count + 30) * ComparePlan.secondsPerRewrite + Double((wordings + 30) * 20) / ComparePlan.examplesPerSecond
            #expect(abs(step("lora-qa").estimatedSeconds - (Double(step("lora-qa").questions) * 0.3 + training)) < 1e-9)
            #expect(!step("lora+rag").note.contains("train an adapter"))
            #expect(plan.estimatedSeconds == plan.steps.filter(\.runs).map(\.estimatedSeconds).reduce(0, +))
            // lora-docs trains on the documents' text and answers closed-book; trained on every document, it is
            // asked the restricted evaluation questions as an outsider too. Training reads every document token once
            // per epoch.
            #expect(step("lora-docs").note.hasPrefix("train an adapter on the documents' text"))
            #expect(step("lora-docs").questions == step("lora+rag").questions)
            let documentTokens = Double(ComparePlan.documentBytes(job.documents)) / ComparePlan.bytesPerToken
            #expect(abs(step("lora-docs").estimatedSeconds - (Double(step("lora-docs").questions) * 0.3 + documentTokens * 20 / ComparePlan.trainingTokensPerSecond
                                                              + Double(questions.trained.count * 20) / ComparePlan.examplesPerSecond / 3)) < 1e-9)
            // raft trains its own reader adapter on the training questions over their retrieved evidence.
            #expect(step("raft").note.hasPrefix("train a reader adapter on up to \(questions.trained.count) training questions"))
            let raftTraining = Double(questions.trained.count * 20) / ComparePlan.readerExamplesPerSecond
            #expect(abs(step("raft").estimatedSeconds - (Double(step("raft").questions) * 0.8 + raftTraining)) < 1e-9)
            #expect(step("raft").questions == step("lora+rag").questions)
            job.rag.answerStyle = .short
            #expect(!ComparePlan(job, questions: questions).steps.first { $0.strategy == "raft" }!.runs)
            job.rag.answerStyle = .extract
            // Without an adapter arm, nobody is asked the probes.
            job.strategies = [.closedBook, .rag]
            #expect(ComparePlan(job, questions: questions).steps[0].questions == questions.evaluation.count + unanswerable)
        }
    }

    @Test func probesComeFromTheFieldOrTheKindAndAreNeverTrained() throws {
        let qa = """
            {"id": "1", "question": "Who designed the Vorn-2 lamp?", "answer": "Ama Bel", "split": "train", "kind": "fwd"}
            {"id": "2", "question": "What did Ama Bel design?", "answer": "Vorn-2 lamp", "split": "train", "kind": "rev"}
            {"id": "3", "question": "Which engineer made the Vorn-2 lamp?", "answer": "Ama Bel", "split": "train", "probe": "paraphrase"}
            {"id": "4", "question": "Who designed the Kaka-79 vault?", "answer": "Lonax Ithithost", "split": "eval", "kind": "fwd"}
            """
        let extra = #"{"id": "9", "question": "Who designed the Ulren-99 compass?", "answer": "Uljor Gilhalzor"}"#
        try TestFiles.with(qa, name: "qa.jsonl") { url in
            try TestFiles.with(extra, name: "train.jsonl") { trainURL in
                let questions = try CompareQuestions(path: url.path, trainingPath: trainURL.path, reversalKinds: ["rev"])
                #expect(questions.training.map(\.probeGroup) == ["trained", "reversal", "paraphrase", "trained"])
                #expect(questions.trained.map(\.pair.id) == ["1", "9"] && questions.evaluation.map(\.pair.id) == ["4"])
            }
            let clash = try TestFiles.with(#"{"id": "2", "question": "Q?", "answer": "a"}"#, name: "train.jsonl") { trainURL in
                TestFiles.errorText { _ = try CompareQuestions(path: url.path, trainingPath: trainURL.path) }
            }
            #expect(clash?.contains("question 2 is also in") == true && clash?.contains("train.jsonl") == true)
        }
        let bad = #"{"id": 1, "question": "Q?", "answer": "a", "probe": "sideways"}"#
        let text = try TestFiles.with(bad, name: "qa.jsonl") { url in TestFiles.errorText { _ = try CompareQuestions(path: url.path) } }
        #expect(text?.contains("\"probe\" is \"sideways\", not paraphrase or reversal") == true)
    }
}
