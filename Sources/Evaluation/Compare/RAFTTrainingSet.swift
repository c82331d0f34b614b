import Foundation
import RagTuneRAG
import RagTuneTensor

/// The training data of compare's raft arm (Zhang et al. 2024, *RAFT*): every trained question
/// (`CompareQuestions.trained`, yes/no questions aside: the pipeline scores those apart) in the
/// extract reader's own prompt (`ExtractiveReader.messages`) over the evidence sentences the RAG
/// pipeline ranks for it, so the distractors are the ones the retriever really brings, and the
/// reply the gold answer as the oracle sentence writes it.
///
/// The oracle is the best-ranked sentence that holds the answer. In `oracleShare` of the examples
/// it is shown, in place of the last shown sentence when it ranked lower; in the others only
/// sentences without the answer are shown and the reply is still the answer (RAFT's recipe: the
/// model learns the facts as well as to read). A question none of whose ranked sentences holds the
/// answer (retrieval missed it) gives no example. A seeded `heldOutShare` of the questions is held
/// out, shown with their oracle: their loss picks the epochs, so they measure reading, not recall.
struct RAFTTrainingSet {
    /// One example: the question, the sentences shown (in rank order) and the reply.
    struct Example: Equatable {
        var question: String
        var context: [String]
        var reply: String
        var showsOracle: Bool
    }

    var train: [Example] = []
    var heldOut: [Example] = []
    /// Trained questions that gave no example: yes/no questions and those whose ranked evidence
    /// holds no sentence with the answer.
    var skipped = 0

    /// - Parameters:
    ///   - items: each trained question with its ranked evidence sentences (best first).
    ///   - shown: sentences per example (the reader's `sentences`).
    init(_ items: [(question: CompareQuestion, ranked: [String])], shown: Int, oracleShare: Double = 0.8,
         heldOutShare: Double = 0.15, seed: UInt64) {
        var random = SplitMix64(seed: seed ^ 0x4AF7_0000_0000_0001)
        let usable = items.filter { item in
            !YesNoAnswerer.isYesNoQuestion(item.question.pair.question) && item.ranked.contains { Self.holds($0, item.question.pair.answer) }
        }
        skipped = items.count - usable.count
        let heldCount = usable.count < 2 ? 0 : min(max(1, Int((heldOutShare * Double(usable.count)).rounded())), 40)
        let held = Set(usable.indices.shuffled(using: &random).prefix(heldCount))
        for (index, item) in usable.enumerated() {
            let draw = random.unit()
            let isHeld = held.contains(index)
            let example = Self.example(item.question.pair, ranked: item.ranked, shown: shown, withOracle: isHeld || draw < oracleShare)
            if isHeld { heldOut.append(example) } else { train.append(example) }
        }
    }

    /// Training examples that show no oracle sentence.
    var withoutOracle: Int { train.filter { !$0.showsOracle }.count }

    /// The example of `pair`: the first `shown` ranked sentences with the oracle among them, or
    /// the first `shown` without the answer (with the oracle when every sentence holds it).
    static func example(_ pair: QAPair, ranked: [String], shown: Int, withOracle asked: Bool) -> Example {
        // With every ranked sentence holding the answer, there is nothing else to show.
        let withOracle = asked || ranked.allSatisfy { holds($0, pair.answer) }
        let oracle = ranked.firstIndex { holds($0, pair.answer) }!
        var context: [String]
        if withOracle {
            context = Array(ranked.prefix(shown))
            if oracle >= shown { context[context.count - 1] = ranked[oracle] }
        } else {
            context = Array(ranked.lazy.filter { !holds($0, pair.answer) }.prefix(shown))
        }
        return Example(question: pair.question, context: context, reply: withOracle ? copied(pair.answer, from: ranked[oracle]) : pair.answer,
                       showsOracle: withOracle)
    }

    /// Whether `sentence` holds `answer` (SQuAD normalization, as answer-contains scores it).
    static func holds(_ sentence: String, _ answer: String) -> Bool { QAMetrics.contains(sentence, answer) > 0 }

    /// `answer` as `sentence` writes it (its case), or `answer` when the sentence writes it otherwise.
    static func copied(_ answer: String, from sentence: String) -> String {
        sentence.range(of: answer, options: .caseInsensitive).map { String(sentence[$0]) } ?? answer
    }

    /// The examples as `ragtune finetune` data lines in the extract reader's prompt.
    static func jsonl(_ examples: [Example]) throws -> Data {
        try chatJSONL(examples.map {
            ExtractiveReader.messages(context: $0.context.joined(separator: " "), question: $0.question) + [.assistant($0.reply)]
        })
    }
}
