import RagTuneRetrieval

/// Whether a sentence is about what a question asks, not only about what it names: how much more
/// likely the decoder finds the question's own words (its relation words: "designed", "colour",
/// "favourite food") when it writes the question as one the sentence answers than after no
/// passage (question likelihood, as UPR reranks passages: Sachan et al. 2022). The question's
/// names, numbers and function words are left out: any sentence about the Mordro-18 reactor makes
/// "Mordro-18 reactor" likely, while only one that says who designed it makes "designed" likely.
///
/// An extractive reader always finds some span near the question's names, so this is what tells
/// "Who designed the Mordro-18 reactor?" (+5.7 nats per token; fictional-kb's right answers +0.8 and up)
/// from "What colour is the Mordro-18 reactor?" asked of the same sentence.
public enum QuestionSupport {
    /// The plain-text prompt the question is written after.
    static func prompt(passage: String) -> String { "Passage: \(passage)\nA question this passage answers:" }
    /// The passage of the baseline prompt.
    static let noPassage = "(none)"

    /// The mean gain in log-probability (nats per token) of `question`'s relation tokens when it
    /// follows each of `sentences` rather than no passage; nil for each when the question has no
    /// relation word ("Who is Kesttov Kanaxdro?"). A token counts when its last byte falls in a word
    /// that is neither a function word nor an anchor (`AnswerCandidates.isAnchor`). One decoder pass
    /// per sentence and one for the question alone.
    /// - Returns: also the tokens scored (all passes), for the reader's cost.
    public static func gains(of sentences: [String], for question: String,
                             scorer: any ContinuationScorer) throws -> (gains: [Double?], tokens: Int) {
        let text = " " + question
        let words = AnswerCandidates.tokenSpans(of: text).enumerated().filter { index, token in
            token.isWord && !AnswerCandidates.isFunctionWord(token.text) && !AnswerCandidates.isAnchor(token.text, at: index)
        }.map { _, token in
            text.utf8.distance(from: text.startIndex, to: token.range.lowerBound)
                ..< text.utf8.distance(from: text.startIndex, to: token.range.upperBound)
        }
        guard !words.isEmpty, !sentences.isEmpty else { return (sentences.map { _ in nil }, 0) }
        let blind = try scorer.tokenLogProbabilities(of: text, after: prompt(passage: noPassage))
        var tokens = blind.count
        let gains = try sentences.map { sentence -> Double? in
            let read = try scorer.tokenLogProbabilities(of: text, after: prompt(passage: sentence))
            tokens += read.count
            let gains = zip(read, blind).compactMap { read, blind -> Double? in
                guard read.bytes == blind.bytes, let last = read.bytes.last, words.contains(where: { $0.contains(last) }) else { return nil }
                return read.logProbability - blind.logProbability
            }
            return gains.isEmpty ? nil : gains.reduce(0, +) / Double(gains.count)
        }
        return (gains, tokens)
    }

    /// `gains(of:for:scorer:)` for one sentence.
    public static func gain(of sentence: String, for question: String,
                            scorer: any ContinuationScorer) throws -> (gain: Double?, tokens: Int) {
        let measured = try gains(of: [sentence], for: question, scorer: scorer)
        return (measured.gains[0], measured.tokens)
    }
}
