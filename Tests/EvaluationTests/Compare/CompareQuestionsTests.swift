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

    @Test func thePlanSkipsArmsNotBuiltAndEstimatesTheRest() throws {
        try TestFiles.with(Self.byFact, name: "qa.jsonl") { url in
            let questions = try CompareQuestions(path: url.path, factField: "entity", seed: 7)
            let plan = ComparePlan(CompareJob(documents: ["docs"], qaPath: url.path, outputDirectory: "out"), questions: questions)
            #expect(plan.steps.map(\.strategy) == CompareStrategy.allCases.map(\.rawValue))
            #expect(plan.steps.filter(\.runs).map(\.strategy) == ["closed-book", "few-shot", "rag"])
            let rag = try #require(plan.steps.first { $0.strategy == "rag" })
            let facts = Set(questions.evaluation.map(\.fact)).count
            #expect(rag.questions == questions.evaluation.count + questions.evaluation.filter(\.restricted).count + min(30, facts))
            #expect(plan.estimatedSeconds == plan.steps.filter(\.runs).map(\.estimatedSeconds).reduce(0, +))
            #expect(plan.steps.first { $0.strategy == "raft" }?.note.contains("not built yet") == true)
        }
    }
}
