import RagTuneRetrieval

/// What kind of answer a question asks for, read from its wh-word: a date for "when", "what
/// year"; a quantity for "how many", "how much", "how old" and other "how" + measure questions;
/// a name (capitalized) for "who" and "where"; anything otherwise.
public enum AnswerType: Sendable, Equatable {
    case date, quantity, name, any

    /// The type `question` asks for.
    public init(question: String) {
        let words = question.lowercased().split(whereSeparator: { !$0.isLetter }).map(String.init)
        let pairs = Set(zip(words, words.dropFirst()).map { "\($0) \($1)" })
        let measures = ["many", "much", "old", "long", "tall", "high", "heavy", "far", "big", "large", "deep", "wide", "fast"]
        if words.first == "when" || !pairs.isDisjoint(with: ["what year", "which year", "what date", "which date"]) {
            self = .date
        } else if !pairs.isDisjoint(with: measures.map { "how \($0)" }) {
            self = .quantity
        } else if ["who", "whom", "whose", "where"].contains(words.first ?? "") {
            self = .name
        } else {
            self = .any
        }
    }

    /// Whether `candidate` can be this type of answer.
    func admits(_ candidate: AnswerCandidate) -> Bool {
        // Numbers of their own ("1980", "3,000"), not the digits of a name ("Belmi-40").
        let numbers = candidate.words.filter { word in
            word.contains(where: \.isNumber) && word.allSatisfy { $0.isNumber || $0 == "," || $0 == "." || $0 == "%" }
        }
        func isYear(_ word: String) -> Bool { word.count == 4 && Int(word).map { (1000...2199).contains($0) } == true }
        switch self {
        case .any: return true
        case .date: return !numbers.isEmpty
        case .quantity:
            // A year is a date, not an amount.
            return !numbers.isEmpty && !numbers.allSatisfy(isYear)
        case .name:
            // A capital at the start of a sentence says nothing; a name has one elsewhere too.
            let capitalized = candidate.words.filter { $0.first?.isUppercase == true }.count
            return candidate.text.first?.isUppercase == true && (!candidate.startsSentence || capitalized > 1)
        }
    }
}

/// A span of an evidence sentence that could answer the question.
public struct AnswerCandidate: Sendable, Equatable {
    /// The words as they stand in the sentence, joined by single spaces.
    public var text: String
    public var words: [String]
    /// Whether the span begins the sentence (its capital is then no sign of a name).
    public var startsSentence: Bool
}

/// The spans of a sentence that could answer a question: each maximal run of words that are
/// neither in the question nor punctuation, with function words trimmed from its ends, and the
/// parts of that run between function words ("grew up in Gilfenzor" → also "grew up",
/// "Gilfenzor"). An answer does not repeat the question, so what the question says is never part
/// of a candidate.
public enum AnswerCandidates {
    /// Words that carry no answer on their own (articles, prepositions, auxiliaries, pronouns,
    /// wh-words, a few quantifiers): a candidate neither starts nor ends with one.
    public static let functionWords: Set<String> = [
        "a", "an", "the", "of", "in", "on", "at", "to", "for", "by", "with", "from", "and", "or", "but", "as", "into",
        "about", "over", "under", "after", "before", "during", "since", "than", "then", "also", "is", "are", "was",
        "were", "be", "been", "being", "has", "have", "had", "do", "does", "did", "it", "its", "this", "that", "these",
        "those", "he", "she", "they", "his", "her", "their", "them", "him", "we", "our", "you", "your", "i", "who",
        "whom", "whose", "which", "what", "when", "where", "why", "how", "most", "much", "many", "more", "some", "any",
        "all", "each", "both", "first", "not", "no", "there", "here", "very", "so",
    ]

    /// The candidates of `sentence` for a question whose analyzed terms are `questionTerms`.
    public static func spans(of sentence: String, questionTerms: Set<String>,
                             analyzer: EnglishAnalyzer = EnglishAnalyzer()) -> [AnswerCandidate] {
        var runs: [[(word: String, index: Int)]] = [], current: [(word: String, index: Int)] = []
        for (index, token) in tokens(of: sentence).enumerated() {
            let inQuestion = analyzer.analyze(token).contains(where: questionTerms.contains)
            if !token.first!.isLetter && !token.first!.isNumber || inQuestion {
                if !current.isEmpty { runs.append(current) }
                current = []
            } else {
                current.append((token, index))
            }
        }
        if !current.isEmpty { runs.append(current) }
        var result: [AnswerCandidate] = []
        func add(_ run: ArraySlice<(word: String, index: Int)>) {
            let trimmed = run.drop { isFunctionWord($0.word) }.reversed().drop { isFunctionWord($0.word) }.reversed()
            guard let first = trimmed.first else { return }
            let words = trimmed.map(\.word)
            let candidate = AnswerCandidate(text: words.joined(separator: " "), words: words, startsSentence: first.index == 0)
            if !result.contains(where: { $0.text == candidate.text }) { result.append(candidate) }
        }
        for run in runs {
            add(run[...])
            var part: [(word: String, index: Int)] = []
            for item in run + [("the", -1)] {
                if isFunctionWord(item.word) {
                    if part.count < run.count { add(part[...]) }
                    part = []
                } else {
                    part.append(item)
                }
            }
        }
        return result
    }

    static func isFunctionWord(_ word: String) -> Bool { functionWords.contains(word.lowercased()) }

    /// Words (letters and digits, with inner hyphens, apostrophes and periods, as in "Mordro-18"
    /// or "U.S.", and commas between digits, as in "3,000") and single punctuation marks, in order.
    static func tokens(of text: String) -> [String] {
        var tokens: [String] = [], word = ""
        let characters = Array(text)
        for (i, c) in characters.enumerated() {
            let next = i + 1 < characters.count ? characters[i + 1] : " "
            let joins = !word.isEmpty && ((c == "-" || c == "'" || c == "’" || c == ".") && (next.isLetter || next.isNumber)
                || c == "," && word.last?.isNumber == true && next.isNumber)
            if c.isLetter || c.isNumber || joins {
                word.append(c)
            } else {
                if !word.isEmpty { tokens.append(word) }
                word = ""
                if !c.isWhitespace { tokens.append(String(c)) }
            }
        }
        if !word.isEmpty { tokens.append(word) }
        return tokens
    }
}
