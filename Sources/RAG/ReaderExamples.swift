import Foundation
import RagTuneRetrieval
import RagTuneTensor
import RagTuneTokenizers

/// One reading-comprehension training example: the extract reader's prompt (evidence sentences
/// and a question) and the span to copy, or `ExtractiveReader.noAnswerReply` when none of the
/// shown sentences holds the answer. Encodes as a chat line `ragtune finetune` reads.
public struct ReaderExample: Sendable, Equatable, Encodable {
    public var messages: [ChatMessage]
    public var question: String
    /// The span as the document writes it (also for an unanswerable example, whose reply differs).
    public var answer: String
    /// The document the question was made from.
    public var document: String
    /// Whether the answer's sentence is among the shown ones.
    public var answerable: Bool
}

/// Makes RAFT-style training data for the extract reader (Zhang et al. 2024, *RAFT*) from a user's
/// own documents: every statement of the documents gives questions by `ClozeQuestions`; each is
/// shown with its sentence among the sentences that share most of the question's words (the
/// distractors a retriever would bring: other entities described alike; in a small folder, any other
/// sentences), in random order, and the
/// reply is the span copied. A share of the examples show only distractors, and the reply is
/// `ExtractiveReader.noAnswerReply`, so that the reader learns to say so. The prompt is the extract
/// reader's own, so an adapter trained on these examples is used by `ask` and `eval qa --adapter`.
public struct ReaderExampleBuilder: Sendable {
    /// Sentences shown per example (the reader's `sentences`).
    public var contextSentences = 3
    /// At most this many questions per sentence (chosen at random among its facts).
    public var questionsPerSentence = 2
    /// Share of examples that show only distractors.
    public var unanswerableShare = 0.2
    /// Keep at most this many examples: a seeded sample, in document order.
    public var maxExamples: Int?
    public var seed: UInt64 = 42
    public var analyzer = EnglishAnalyzer()

    public init() {}

    /// The examples of `documents`, in document and sentence order.
    public func examples(from documents: [SourceDocument]) -> [ReaderExample] {
        var rng = SplitMix64(seed: seed)
        let sentences = documents.flatMap { document in TextChunker.sentences(of: document.text).map { (document.id, $0) } }
        let terms = sentences.map { Set(analyzer.analyze($0.1)) }
        var postings: [String: [Int]] = [:]
        for (index, set) in terms.enumerated() { for term in set { postings[term, default: []].append(index) } }
        let count = Double(max(sentences.count, 1))
        func weight(_ term: String) -> Double {
            let frequency = Double(postings[term]?.count ?? 0)
            return log(1 + (count - frequency + 0.5) / (frequency + 0.5))
        }
        /// The sentences sharing most of `question`'s weighted terms, best first, then others in a
        /// random order, without `excluded` and without any that holds `answer`.
        func distractors(for question: String, answer: String, excluded: Int, limit: Int) -> [Int] {
            var scores: [Int: Double] = [:]
            for term in Set(analyzer.analyze(question)) {
                let w = weight(term)
                for index in postings[term] ?? [] where index != excluded { scores[index, default: 0] += w }
            }
            let ranked = scores.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }.map(\.key)
            var chosen = Array(ranked.lazy.filter { !sentences[$0].1.contains(answer) }.prefix(limit))
            if chosen.count < limit {
                // Too few look-alikes (a small folder): any other sentences fill the context.
                let rest = sentences.indices.filter { $0 != excluded && scores[$0] == nil && !sentences[$0].1.contains(answer) }
                chosen += rest.shuffled(using: &rng).prefix(limit - chosen.count)
            }
            return chosen
        }
        var examples: [ReaderExample] = []
        for (index, (document, sentence)) in sentences.enumerated() {
            var facts = ClozeQuestions.facts(in: sentence)
            facts.shuffle(using: &rng)
            for fact in facts.prefix(questionsPerSentence) {
                let answerable = rng.unit() >= unanswerableShare
                var shown = distractors(for: fact.question, answer: fact.answer, excluded: index,
                                        limit: answerable ? contextSentences - 1 : contextSentences)
                if answerable { shown.append(index) }
                guard shown.count == contextSentences else { continue }
                shown.shuffle(using: &rng)
                let context = shown.map { sentences[$0].1 }.joined(separator: " ")
                let reply = answerable ? fact.answer : ExtractiveReader.noAnswerReply
                examples.append(ReaderExample(
                    messages: ExtractiveReader.messages(context: context, question: fact.question) + [.assistant(reply)],
                    question: fact.question, answer: fact.answer, document: document, answerable: answerable))
            }
        }
        if let maxExamples, examples.count > maxExamples {
            let kept = Set(examples.indices.shuffled(using: &rng).prefix(maxExamples))
            examples = examples.indices.filter(kept.contains).map { examples[$0] }
        }
        return examples
    }
}
