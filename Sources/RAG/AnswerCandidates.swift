import RagTuneRetrieval

/// What kind of answer a question asks for, read from its wh-word: a date for "when", "what
/// year"; a quantity for "how many", "how much", "how old" and other "how" + measure questions;
/// a person for "who", "which engineer"; a place for "where", "which town"; anything otherwise.
/// Each of these is a hard requirement, with no fallback to other spans (no date in the sources,
/// no answer to "when"; "Who taught X?" is not answered by "the engineer behind the Ulren-99
/// compass"; "Where is the lantern kept?" is not answered by its designer). A date may also be a span after
/// "during", "before", "after", "until" or "since". A person is a name that is neither the object
/// of a place preposition ("in Helzan") nor after an article ("the Dendsil sextant"). A place is a
/// name, or a span after a place preposition ("on sandy beaches"), that is neither a date ("in
/// 2027") nor an agent ("by Mortov Zorfendro").
/// A leading preposition is skipped ("Under whom …", "In which year …").
public enum AnswerType: Sendable, Equatable {
    case date, quantity, person, place, any

    /// The type `question` asks for.
    public init(question: String) {
        var words = question.lowercased().split(whereSeparator: { !$0.isLetter }).map(String.init)
        if let first = words.first, Self.leadingPrepositions.contains(first) { words.removeFirst() }
        let pairs = Set(zip(words, words.dropFirst()).map { "\($0) \($1)" })
        let measures = ["many", "much", "old", "long", "tall", "high", "heavy", "far", "big", "large", "deep", "wide", "fast"]
        if words.first == "when" || !pairs.isDisjoint(with: ["what year", "which year", "what date", "which date"]) {
            self = .date
        } else if !pairs.isDisjoint(with: measures.map { "how \($0)" }) {
            self = .quantity
        } else if ["who", "whom", "whose"].contains(words.first ?? "")
                    || ["which", "what"].contains(words.first ?? "") && words.dropFirst().prefix(3)
                        .prefix(while: { !AnswerCandidates.functionWords.contains($0) }).contains(where: Self.personNouns.contains) {
            self = .person
        } else if words.first == "where"
                    || ["which", "what"].contains(words.first ?? "") && words.dropFirst().first.map(Self.placeNouns.contains) == true {
            self = .place
        } else {
            self = .any
        }
    }

    /// Prepositions a question may open with before its wh-word.
    static let leadingPrepositions: Set<String> = [
        "in", "on", "at", "by", "for", "from", "to", "under", "with", "since", "until", "during", "of", "after", "before",
    ]
    /// Nouns for people: "Which engineer …", "What instrument maker …" ask for a person.
    static let personNouns: Set<String> = [
        "person", "people", "man", "woman", "men", "women", "engineer", "scientist", "inventor", "designer", "maker",
        "architect", "author", "writer", "poet", "artist", "painter", "sculptor", "composer", "musician", "singer",
        "actor", "actress", "player", "king", "queen", "emperor", "president", "leader", "founder", "builder",
        "creator", "teacher", "mentor", "student", "apprentice", "explorer", "philosopher", "mathematician",
        "physicist", "chemist", "politician", "general", "captain", "director", "owner", "doctor", "lawyer", "judge",
    ]
    /// Nouns for places: "In which town …", "What country …" ask for a place.
    static let placeNouns: Set<String> = [
        "place", "town", "city", "village", "country", "state", "county", "province", "region", "continent", "island",
        "nation", "river", "lake", "mountain", "street", "district", "capital", "port", "site", "location",
    ]
    /// Prepositions before a place ("in Helzan", "on sandy beaches", "near the river").
    static let placePrepositions: Set<String> = [
        "in", "at", "on", "near", "into", "onto", "across", "throughout", "inside", "outside", "along", "around",
        "within", "from", "to", "towards", "toward", "beneath", "under", "over", "above", "below", "beside", "off",
    ]
    /// Words that a person's name does not follow: place prepositions and articles. Not "from" and
    /// "to", which also come before persons ("learned the trade from X", "married to X").
    static let notBeforePersons: Set<String> = ["in", "at", "near", "into", "the", "a", "an"]

    /// Words that are numbers when spelled out ("three suborders").
    static let numberWords: Set<String> = [
        "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve", "fifteen", "twenty",
        "thirty", "forty", "fifty", "hundred", "hundreds", "thousand", "thousands", "million", "millions", "billion",
        "billions", "dozen", "dozens", "half", "twice",
    ]
    /// Ordinal words: "the eighth richest", "the last".
    static let ordinals: Set<String> = [
        "first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth", "tenth", "eleventh",
        "twelfth", "thirteenth", "fourteenth", "fifteenth", "sixteenth", "seventeenth", "eighteenth", "nineteenth",
        "hundredth", "thousandth", "millionth", "last",
    ]
    /// Whether `word` is a spelled-out number or an ordinal ("three", "eighth", "twentieth").
    static func isNumberWord(_ word: String) -> Bool {
        let word = word.lowercased()
        return numberWords.contains(word) || ordinals.contains(word) || word.hasSuffix("tieth")
    }
    /// Words that make a span a date without digits ("the end of the sixteenth century").
    static let dateWords: Set<String> = [
        "january", "february", "march", "april", "may", "june", "july", "august", "september", "october", "november",
        "december", "century", "centuries", "decade", "decades", "spring", "summer", "autumn", "winter", "ago",
    ]
    /// Words before a span that make it a time ("during pairing").
    static let timePrepositions: Set<String> = ["during", "before", "after", "until", "since"]

    /// Whether `candidate` can be this type of answer.
    func admits(_ candidate: AnswerCandidate) -> Bool {
        // Numbers of their own ("1980", "3,000", "three"), not the digits of a name ("Belmi-40").
        let numbers = candidate.words.filter { word in
            // A range ("300-600") is a number too.
            word.first?.isNumber == true && word.allSatisfy { $0.isNumber || $0 == "," || $0 == "." || $0 == "%" || $0 == "-" }
                || Self.numberWords.contains(word.lowercased())
        }
        func isYear(_ word: String) -> Bool { word.count == 4 && Int(word).map { (1000...2199).contains($0) } == true }
        switch self {
        case .any: return true
        case .date:
            return !numbers.isEmpty || candidate.words.contains { Self.dateWords.contains($0.lowercased()) }
                || candidate.precedingWord.map { Self.timePrepositions.contains($0.lowercased()) } == true
        case .quantity:
            // A year is a date, not an amount.
            return !numbers.isEmpty && !numbers.allSatisfy(isYear)
        case .person:
            // A person is neither in a place ("in Helzan") nor a thing ("the Dendsil sextant").
            let notPerson = candidate.precedingWord.map { Self.notBeforePersons.contains($0.lowercased()) } ?? false
            return isName(candidate) && !notPerson
        case .place:
            // Not "in 2027" (a date) nor "by Mortov Zorfendro" (who did it, not where).
            let preceding = candidate.precedingWord?.lowercased()
            guard preceding != "by", !Self.date.admits(candidate) else { return false }
            return isName(candidate) || preceding.map(Self.placePrepositions.contains) == true
        }
    }

    /// Whether `candidate` is a name: capitalized, and not only by starting the sentence (a name
    /// has a capital elsewhere too then).
    private func isName(_ candidate: AnswerCandidate) -> Bool {
        let capitalized = candidate.words.filter { $0.first?.isUppercase == true }.count
        return candidate.text.first?.isUppercase == true && (!candidate.startsSentence || capitalized > 1)
    }
}

/// A span of an evidence sentence that could answer the question.
public struct AnswerCandidate: Sendable, Equatable {
    /// The span exactly as the sentence has it ("March 4, 1861", "Michigan's 5th congressional district").
    public var text: String
    public var words: [String]
    /// Whether the span begins the sentence (its capital is then no sign of a name).
    public var startsSentence: Bool
    /// The word just before the span in the sentence ("During" for "pairing").
    public var precedingWord: String?

    public init(text: String, words: [String], startsSentence: Bool, precedingWord: String? = nil) {
        self.text = text
        self.words = words
        self.startsSentence = startsSentence
        self.precedingWord = precedingWord
    }
}

/// The spans of a sentence that could answer a question: each maximal run of words that are
/// neither in the question nor punctuation, with function words trimmed from its ends, and the
/// parts of that run between function words ("grew up in Gilfenzor" → also "grew up",
/// "Gilfenzor"). An answer does not repeat the question, so what the question says is never part
/// of a candidate, with three exceptions:
/// - the question's focus noun ("county" in "Which county …?") may be part of a candidate, since
///   the answer often names it ("Hardin County");
/// - a name with a question word inside ("Maria Hester Monroe Gouverneur" for "What is
///   Monroe's daughter's name?") is a candidate whole;
/// - a date keeps its comma ("March 4, 1861").
/// A capitalized span that continues a name of the question ("Abraham" beside "Lincoln") is a
/// fragment of that name, not an answer, and is left out.
public enum AnswerCandidates {
    /// Words that carry no answer on their own (articles, prepositions, auxiliaries, pronouns,
    /// wh-words, a few quantifiers): a candidate neither starts nor ends with one.
    public static let functionWords: Set<String> = [
        "a", "an", "the", "of", "in", "on", "at", "to", "for", "by", "with", "from", "and", "or", "but", "as", "into",
        "about", "over", "under", "after", "before", "during", "since", "than", "then", "also", "is", "are", "was",
        "were", "be", "been", "being", "has", "have", "had", "do", "does", "did", "it", "its", "this", "that", "these",
        "those", "he", "she", "they", "his", "her", "their", "them", "him", "we", "our", "you", "your", "i", "who",
        "whom", "whose", "which", "what", "when", "where", "why", "how", "most", "much", "many", "more", "some", "any",
        "all", "each", "both", "first", "not", "no", "there", "here", "very", "so", "until", "through", "within",
        "without", "between", "among", "against",
    ]

    /// A word or punctuation mark of a sentence, with where it stands.
    struct Token {
        var text: String
        var range: Range<String.Index>
        var isWord: Bool { text.first!.isLetter || text.first!.isNumber }
        var isCapitalized: Bool { text.first!.isUppercase }
    }

    /// The candidates of `sentence` for a question whose analyzed terms are `questionTerms`;
    /// `focus` (the question's focus noun, see `focus(of:)`) may be part of a candidate.
    public static func spans(of sentence: String, questionTerms: Set<String>, focus: String? = nil,
                             analyzer: EnglishAnalyzer = EnglishAnalyzer()) -> [AnswerCandidate] {
        let tokens = tokenSpans(of: sentence)
        let inQuestion = tokens.map { analyzer.analyze($0.text).contains(where: questionTerms.contains) }
        let isFocus = tokens.map { token in focus.map { isFocusWord(token.text, $0) } ?? false }
        func breaksRun(_ i: Int) -> Bool {
            if isFocus[i] { return false }
            if tokens[i].text == ",", i > 0, i + 1 < tokens.count, isDateComma(before: tokens[i - 1].text, after: tokens[i + 1].text) {
                return false
            }
            return !tokens[i].isWord || inQuestion[i]
        }
        /// A capitalized question word, which a neighbouring capitalized word continues.
        func isQuestionName(_ i: Int) -> Bool { tokens.indices.contains(i) && inQuestion[i] && tokens[i].isCapitalized }
        var result: [AnswerCandidate] = []
        func add(_ indices: [Int]) {
            let trimmed = Array(indices.drop { isFunctionWord(tokens[$0].text) }.reversed().drop { isFunctionWord(tokens[$0].text) }.reversed())
            guard let first = trimmed.first, let last = trimmed.last else { return }
            guard trimmed.contains(where: { !isFocus[$0] && tokens[$0].isWord }) else { return }
            if tokens[first].isCapitalized && isQuestionName(first - 1) || tokens[last].isCapitalized && isQuestionName(last + 1) {
                return
            }
            let words = trimmed.map { tokens[$0].text }.filter { $0 != "," }
            let candidate = AnswerCandidate(text: String(sentence[tokens[first].range.lowerBound..<tokens[last].range.upperBound]),
                                            words: words, startsSentence: first == 0,
                                            precedingWord: first > 0 && tokens[first - 1].isWord ? tokens[first - 1].text : nil)
            if !result.contains(where: { $0.text == candidate.text }) { result.append(candidate) }
        }
        var runs: [[Int]] = [], current: [Int] = []
        for i in tokens.indices {
            if breaksRun(i) {
                if !current.isEmpty { runs.append(current) }
                current = []
            } else {
                current.append(i)
            }
        }
        if !current.isEmpty { runs.append(current) }
        for run in runs {
            add(run)
            var part: [Int] = []
            for i in run + [-1] {
                if i < 0 || isFunctionWord(tokens[i].text) {
                    if part.count < run.count { add(part) }
                    part = []
                } else {
                    part.append(i)
                }
            }
        }
        // Names with a question word inside: capitalized words in a row, the first and last not the question's.
        var i = 0
        while i < tokens.count {
            var j = i
            while j < tokens.count && tokens[j].isWord && tokens[j].isCapitalized { j += 1 }
            if j - i >= 3, !inQuestion[i], !inQuestion[j - 1], (i..<j).contains(where: { inQuestion[$0] }) {
                add(Array(i..<j))
            }
            i = max(j, i + 1)
        }
        return result
    }

    /// `answer` as the phrase of `sentence` that answers: a date or a place with the preposition
    /// that governs it ("on September 3, 1971", "at the Doha Players Theatre", "during pairing"), a
    /// manner ("How did they tell them apart?") with its "by" or "through" ("by the length of the
    /// tail"), a quantity with the parenthesis right after it ("30 kg (about 65 pounds)"). An article
    /// may stand between the preposition and a place or manner; a place keeps the names before it that
    /// a comma joins ("in San Carlos, Maldonado"), a date the part of the period it names ("at the end
    /// of the 16th century"). The answer itself otherwise, or when the sentence
    /// does not hold it.
    public static func phrase(of answer: String, in sentence: String, type: AnswerType, asksManner: Bool) -> String {
        guard let range = sentence.range(of: answer) else { return answer }
        var lower = range.lowerBound, upper = range.upperBound
        let governing: Set<String> = switch type {
        case .date: AnswerType.timePrepositions.union(["in", "on", "at", "by"])
        case .place: AnswerType.placePrepositions.subtracting(["to", "towards", "toward"])
        case .any where asksManner: ["by", "through"]
        default: []
        }
        let before = tokenSpans(of: String(sentence[..<lower]))
        var k = before.count
        // A place named with what holds it: "San Carlos, Maldonado", "Summerhill, New York".
        if type == .place, k >= 2, before[k - 1].text == ",", before[k - 2].isWord, before[k - 2].isCapitalized {
            k -= 2
            while k > 0, before[k - 1].isWord, before[k - 1].isCapitalized { k -= 1 }
            if k == 0 { k = before.count }  // a name opening the sentence may be its subject, not part of the place
        }
        // A date with the part of it meant: "the end of the 16th century", "the middle of 1861".
        if type == .date, k >= 3, before[k - 1].text.lowercased() == "the" || before[k - 1].text.lowercased() == "of" {
            let of = before[k - 1].text.lowercased() == "of" ? k - 1 : k - 2
            if of >= 1, before[of].text.lowercased() == "of", Self.partsOfTime.contains(before[of - 1].text.lowercased()) {
                k = of - 1
                if k > 0, before[k - 1].text.lowercased() == "the" { k -= 1 }
            }
        }
        // "at the Doha Players Theatre", but not "after the 1967" (of "after the 1967 war"): a date
        // after an article is a modifier of what follows it.
        var article = k
        if type != .date, article > 0, ["the", "a", "an"].contains(before[article - 1].text.lowercased()) { article -= 1 }
        if article > 0, governing.contains(before[article - 1].text.lowercased()) { k = article - 1 }
        if k < before.count {
            let prefix = String(sentence[..<lower])
            lower = sentence.index(sentence.startIndex, offsetBy: prefix.distance(from: prefix.startIndex, to: before[k].range.lowerBound))
        }
        if type == .quantity {
            let rest = sentence[upper...]
            let open = rest.drop { $0 == " " }
            if open.first == "(", let close = open.firstIndex(of: ")"), rest.distance(from: rest.startIndex, to: close) <= 40 {
                upper = sentence.index(after: close)
            }
        }
        return String(sentence[lower..<upper])
    }

    /// Words for a part of a period: "the end of the 16th century".
    static let partsOfTime: Set<String> = ["end", "beginning", "start", "middle", "turn", "close", "dawn", "height"]

    /// The comma of a date ("4, 1861"): a day number before it and a year after it.
    static func isDateComma(before: String, after: String) -> Bool {
        guard let day = Int(before), (1...31).contains(day), let year = Int(after) else { return false }
        return after.count == 4 && (1000...2199).contains(year)
    }

    /// The question's focus noun: the last word of the phrase between "what" or "which" and an
    /// auxiliary verb ("county" in "Which county was he born in?", "winner" in "Which future
    /// Heisman Trophy winner did …"), or nil when no such phrase is there ("What is …", "What
    /// consists of …").
    public static func focus(of question: String) -> String? {
        let words = tokens(of: question).filter { $0.first!.isLetter || $0.first!.isNumber }
        guard let wh = words.firstIndex(where: { ["what", "which"].contains($0.lowercased()) }) else { return nil }
        let phrase = words[(wh + 1)...].prefix { !isFunctionWord($0) && !YesNoAnswerer.auxiliaries.contains($0.lowercased()) }
        guard let last = phrase.last, phrase.endIndex < words.endIndex,
              YesNoAnswerer.auxiliaries.contains(words[phrase.endIndex].lowercased()) else { return nil }
        return last
    }

    /// Whether `word` is the focus noun `focus`, in the singular or the plural. Words, not stems:
    /// "engine" is no "engineer", though both stem to "engin".
    public static func isFocusWord(_ word: String, _ focus: String) -> Bool {
        let word = word.lowercased(), focus = focus.lowercased()
        return word == focus || word == focus + "s" || word == focus + "es" || focus == word + "s" || focus == word + "es"
    }

    static func isFunctionWord(_ word: String) -> Bool { functionWords.contains(word.lowercased()) }

    /// Whether the `index`-th token of a question (`tokens(of:)`) is one of its anchors, the words that
    /// name what it is about: a word with a digit ("Mordro-18", "1980") or one capitalized after the first.
    static func isAnchor(_ word: String, at index: Int) -> Bool {
        word.contains(where: \.isNumber) || index > 0 && word.first?.isUppercase == true
    }

    /// Words (letters and digits, with inner hyphens, apostrophes and periods, as in "Mordro-18"
    /// or "U.S.", and commas between digits, as in "3,000") and single punctuation marks, in order.
    static func tokens(of text: String) -> [String] { tokenSpans(of: text).map(\.text) }

    /// `tokens(of:)` with the range each token takes in `text`.
    static func tokenSpans(of text: String) -> [Token] {
        var tokens: [Token] = []
        var wordStart: String.Index? = nil
        var index = text.startIndex
        while index < text.endIndex {
            let c = text[index]
            let nextIndex = text.index(after: index)
            let next = nextIndex < text.endIndex ? text[nextIndex] : " "
            let previous = index > text.startIndex ? text[text.index(before: index)] : " "
            let joins = wordStart != nil && ((c == "-" || c == "'" || c == "’" || c == ".") && (next.isLetter || next.isNumber)
                || c == "," && previous.isNumber && next.isNumber)
            if c.isLetter || c.isNumber || joins {
                if wordStart == nil { wordStart = index }
            } else {
                if let start = wordStart { tokens.append(Token(text: String(text[start..<index]), range: start..<index)) }
                wordStart = nil
                if !c.isWhitespace { tokens.append(Token(text: String(c), range: index..<nextIndex)) }
            }
            index = nextIndex
        }
        if let start = wordStart { tokens.append(Token(text: String(text[start...]), range: start..<text.endIndex)) }
        return tokens
    }
}
