/// A question a sentence answers, and the answer exactly as the sentence writes it.
public struct ClozeFact: Sendable, Equatable, Codable {
    public var question: String
    public var answer: String

    public init(question: String, answer: String) {
        self.question = question
        self.answer = answer
    }
}

/// Questions made from a declarative sentence by putting a wh-phrase in place of one of its spans
/// (cloze translation by rule, as in Lewis et al. 2019, *Unsupervised Question Answering by Cloze
/// Translation*): "The Belmi-40 lantern was designed by Mortov Zorfendro." gives "What was
/// designed by Mortov Zorfendro?" (answer "Belmi-40 lantern") and "The Belmi-40 lantern was
/// designed by whom?" (answer "Mortov Zorfendro"). A span at the start of the sentence is replaced
/// in front ("What was designed …?"); elsewhere the question keeps the sentence's word order.
///
/// The spans are the ones a reader answers with, found from the words' shapes alone:
/// - a capitalized run (a name): "who" (or "whom" after a preposition), "where" for "in/at/near/from
///   X" (the preposition goes too), "what" when it holds a digit or is a single word, "whose" for a
///   possessive ("Most of whose research …?", answer without the "'s");
/// - "the"/"a"/"an" (maybe with function words after it, "the first") + a capitalized run + at
///   most one more lowercase word (a named thing, "the Mordro-18 reactor"): "what", the article
///   going too;
/// - a year: "in what year" for "in/on YEAR", "what year" otherwise;
/// - a number with the word after it ("21 springs"): "how many springs", answer "21";
/// - the words that end the sentence after a preposition or an article ("made of rosewood",
///   "work on glass fungi"): "what".
public enum ClozeQuestions {
    /// The facts of `sentence`, at most one per span; none for a sentence that is not a statement
    /// (no final period) or has fewer than 5 or more than 40 words.
    public static func facts(in sentence: String) -> [ClozeFact] {
        let tokens = AnswerCandidates.tokenSpans(of: sentence)
        guard tokens.last?.text == ".", (5...40).contains(tokens.filter(\.isWord).count) else { return [] }
        let body = Array(tokens.dropLast())
        var facts: [ClozeFact] = []
        /// The fact whose answer is `text` and whose question puts `wh` in place of the tokens `replaced`.
        func add(answer text: String, replacing replaced: Range<Int>, with wh: String) {
            guard !text.isEmpty, !facts.contains(where: { $0.answer == text }) else { return }
            let before = String(sentence[sentence.startIndex..<body[replaced.lowerBound].range.lowerBound])
            let after = String(sentence[body[replaced.upperBound - 1].range.upperBound..<tokens.last!.range.lowerBound])
            var question = before + wh + after
            while question.last == " " || question.last == "," { question.removeLast() }
            question += "?"
            facts.append(ClozeFact(question: question.prefix(1).uppercased() + question.dropFirst(), answer: text))
        }
        /// The fact whose answer is the tokens `answer`, within the `replaced` ones.
        func add(_ answer: Range<Int>, replacing replaced: Range<Int>, with wh: String) {
            guard !answer.isEmpty, replaced.lowerBound <= answer.lowerBound, replaced.upperBound >= answer.upperBound else { return }
            add(answer: String(sentence[body[answer.lowerBound].range.lowerBound..<body[answer.upperBound - 1].range.upperBound]),
                replacing: replaced, with: wh)
        }
        func word(_ i: Int) -> String? { body.indices.contains(i) && body[i].isWord ? body[i].text.lowercased() : nil }
        func isPlain(_ i: Int) -> Bool {
            body.indices.contains(i) && body[i].isWord && !body[i].isCapitalized && !AnswerCandidates.isFunctionWord(body[i].text)
                && !body[i].text.contains(where: \.isNumber)
        }
        let articles: Set<String> = ["the", "a", "an"], places: Set<String> = ["in", "at", "near", "from"]
        let prepositions: Set<String> = ["of", "on", "in", "for", "with", "from", "about", "by", "at", "into", "as"]

        // Capitalized runs: names, and named things after an article.
        var i = 0
        while i < body.count {
            guard body[i].isWord, body[i].isCapitalized else { i += 1; continue }
            var j = i
            while j < body.count, body[j].isWord, body[j].isCapitalized { j += 1 }
            var start = i
            while start < j, AnswerCandidates.isFunctionWord(body[start].text) { start += 1 }
            defer { i = j }
            guard start < j else { continue }
            let previous = start > i ? body[start - 1].text.lowercased() : word(i - 1)
            // An article before the run, maybe across function words ("the first Fenjor-61 engine").
            var article = start - 1
            while article >= 0, body[article].isWord, AnswerCandidates.isFunctionWord(body[article].text),
                  !articles.contains(body[article].text.lowercased()), !places.contains(body[article].text.lowercased()) {
                article -= 1
            }
            let last = body[j - 1].text
            if last.hasSuffix("'s") || last.hasSuffix("’s") {
                // "Most of Eskrav Kaquiith's research …" → "Most of whose research …?"
                add(answer: String(sentence[body[start].range.lowerBound..<body[j - 1].range.upperBound].dropLast(2)),
                    replacing: start..<j, with: "whose")
            } else if article >= 0, body[article].isWord, articles.contains(body[article].text.lowercased()) {
                let end = isPlain(j) && !body[j].text.hasSuffix("ed") ? j + 1 : j
                add(start..<end, replacing: article..<end, with: "what")
            } else if start == 0 && j - start == 1 {
                continue  // a capital that only starts the sentence
            } else if let previous, places.contains(previous), start == i {
                add(start..<j, replacing: (start - 1)..<j, with: "where")
            } else {
                let hasDigit = body[start..<j].contains { $0.text.contains(where: \.isNumber) }
                let wh = hasDigit || j - start == 1 ? "what" : previous.map(prepositions.contains) == true ? "whom" : "who"
                add(start..<j, replacing: start..<j, with: wh)
            }
        }
        // Years and counted things.
        for k in body.indices where body[k].isWord && body[k].text.allSatisfy({ $0.isNumber || $0 == "," }) {
            if k > 0, body[k - 1].isWord, body[k - 1].isCapitalized { continue }  // part of a name
            if body[k].text.count == 4, let year = Int(body[k].text), (1000...2199).contains(year) {
                if let previous = word(k - 1), previous == "in" || previous == "on" {
                    add(k..<(k + 1), replacing: (k - 1)..<(k + 1), with: "in what year")
                } else {
                    add(k..<(k + 1), replacing: k..<(k + 1), with: "what year")
                }
            } else if isPlain(k + 1) {
                add(k..<(k + 1), replacing: k..<(k + 2), with: "how many " + body[k + 1].text)
            }
        }
        // The words that end the sentence, after a preposition or an article.
        var start = body.count
        while start > 0, isPlain(start - 1) { start -= 1 }
        if start < body.count, let previous = word(start - 1), prepositions.contains(previous) || articles.contains(previous) {
            let replaced = articles.contains(previous) ? (start - 1)..<body.count : start..<body.count
            add(start..<body.count, replacing: replaced, with: "what")
        }
        return facts
    }
}
