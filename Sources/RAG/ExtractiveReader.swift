import Foundation
import RagTuneRetrieval
import RagTuneTokenizers

/// Extractive answers for small readers: the answer is copied from the best evidence sentence,
/// never written, so rare names come out exactly and each answer cites its sentence's source.
///
/// 1. Evidence: every sentence of the shown sources (each once) is scored by the question's terms it
///    holds, each weighted by its inverse document frequency over the sentences of all retrieved
///    chunks (so the rare terms, the names the question is about, count most) and the anchors of
///    step 2 `anchorWeight` times; sentences holding the same terms are told apart by their
///    embedding's similarity to the question's (`semanticWeight`, when `read` is given a
///    similarity); when the question asks for a type (a person, a date, a quantity), the
///    sentences holding a span of that type and a term of the question move up by `typeWeight` of
///    the best score; the best `sentences` are the evidence.
/// 2. Refusal: the question's anchors are the terms of its names and numbers (capitalized words
///    after the first, words with digits); when no evidence sentence holds at least
///    `minimumCoverage` of their weight (for a question without anchors, of the weight of its terms
///    other than those the retrieved chunks write one letter otherwise, so a misspelt word does not
///    refuse it),
///    the sources are about something else and the answer is "not found".
/// 3. Candidates: the `AnswerCandidates` spans of the evidence sentences that score at least
///    `minimumRelevance` of the best sentence and fit the question's `AnswerType` (all spans for a
///    question of no particular type; a date, a quantity, a person or a place is required: no date
///    in the evidence, no answer to "when"; no person, no answer to "who"). The span opening a
///    sentence that holds every term of a "who" question is its subject, so a person whatever its
///    capital says ("Weed ultimately got Seward elected" for "Who got Seward elected?").
/// 4. Choice: each candidate's score is the decoder's length-normalized log-probability of
///    replying with it (given the evidence and the question), less `calibration` × the same for a
///    content-free question, plus `relevanceWeight` × its sentence's relevance relative to the best
///    sentence (its score, less the anchor weight it lacks that another sentence holds, less what
///    its meaning takes off), plus `focusWeight` when it holds the question's focus noun; the highest wins,
///    unless (with `offersNoAnswer`) the reply `noAnswerReply`, scored the same way as if from the best sentence, beats
///    it: then the answer is "not found". The winner is given as the phrase of its sentence that
///    answers (`AnswerCandidates.phrase`: "on September 3, 1971", "30 kg (about 65 pounds)").
/// 5. Support (before the choice): a candidate's sentence must be about what the question asks, not
///    only about what it names: a sentence that makes the question's relation words less likely
///    than no passage does (`QuestionSupport`, below `minimumQuestionSupport`) gives no candidates;
///    with none left the answer is "not found" ("What is Kesttov Kanaxdro's favourite food?" of
///    "The Mordro-18 reactor was designed by Kesttov Kanaxdro."), and an answer from another
///    sentence may win ("What did X build?" no longer answered from "X trained under Y.").
/// Yes/no questions: `supportingSentence` finds a sentence stating the question's whole claim.
public struct ExtractiveReader: Sendable {
    /// Evidence sentences shown to the decoder and searched for candidates.
    public var sentences = 3
    /// How much a candidate's sentence relevance counts against the decoder's preference.
    public var relevanceWeight = 20.0
    /// Candidates come only from evidence sentences scoring at least this fraction of the best one.
    public var minimumRelevance = 0.5
    /// Fraction of the question's anchor weight some evidence sentence must hold.
    public var minimumCoverage = 0.5
    /// A reply's log-probability is divided by its token count raised to this (1: the mean per
    /// token, which favours long spans whose later tokens are easy copies; 0: the sum, which
    /// favours one-word spans).
    public var lengthExponent = 0.7
    /// How much of each candidate's score for a content-free question (`contentFreeQuestion`, same
    /// evidence) is subtracted: what the question adds, not how salient the span is in the
    /// evidence (contextual calibration, Zhao et al. 2021, per candidate; 0: off, one scoring pass).
    public var calibration = 0.5
    public var contentFreeQuestion = "N/A"
    /// How much the question's anchors (names, numbers) count when sentences are ranked, times their
    /// weight (a sentence's relevance to the candidates is its plain score, less the anchor weight it
    /// lacks that another sentence holds).
    public var anchorWeight = 2.0
    /// How much a sentence's similarity to the question (`read`'s `similarity`) counts when sentences
    /// are ranked and how relevant its candidates are: a sentence loses this fraction of the top
    /// score per unit of cosine it is less similar than the most similar one.
    /// 0.5 from a third of a generated knowledge base (`make_invented_kb.py --seed 7`): 0.893
    /// answer-contains at 0, 0.921 at 0.5, 0.925 at 1; an earlier variant at 1 answered fictional-kb's
    /// "What did X design?" worse (0.76 against 0.94 at 0.5).
    public var semanticWeight = 0.5
    /// When the question asks for a type (a person, a date …), sentences holding a span of that type
    /// rank as if their priority were this fraction of the best sentence's higher.
    public var typeWeight = 0.2
    /// Bonus of a candidate that holds the question's focus noun ("Hardin County" for "Which county …?").
    public var focusWeight = 3.0
    /// Whether `noAnswerReply` is scored as one more candidate (as if from the best sentence), the
    /// answer being "not found" when it wins: the refusal a reader trained by `ReaderExampleBuilder`
    /// learned to give when the evidence does not hold the answer. Off by default: the base model
    /// gives it too often (on mini-wiki it refused 18 more of 196 questions, 3 of them answered right
    /// before), while on fictional-kb it never won.
    public var offersNoAnswer = false
    /// The least mean gain (nats per relation token, `QuestionSupport`) a candidate's sentence must
    /// give the question's own words; nil: no check (one decoder pass per candidate sentence, and
    /// one for the question alone, less per question). 0: the sentence must not make them less
    /// likely than no passage. On fictional-kb it refuses 2 more of the 30 unanswerable questions
    /// and no answerable one (the winners' sentences of right answers scored +0.83 and up); on
    /// mini-wiki it changed 9 answers, all wrong before (0.5 would have refused 2 right ones).
    public var minimumQuestionSupport: Double? = 0
    public var analyzer = EnglishAnalyzer()

    public init() {}

    /// A sentence of a source with its score.
    public struct Evidence: Sendable, Equatable, Encodable {
        public var text: String
        /// The number of the source it comes from.
        public var source: Int
        /// Summed IDF of the question terms it holds.
        public var score: Double
        /// Whether the answer was copied from this sentence (the sentence its citation points to).
        public var cited = false
    }

    /// What the reader found: the copied answer and its source, or no answer.
    public struct Reading: Sendable {
        public var answer: String?
        public var evidence: [Evidence]
        /// The number of the source the answer was copied from (its cited sentence's source).
        public var source: Int? { evidence.first(where: \.cited)?.source }
        /// Largest fraction of the question's anchor weight that one sentence holds.
        public var coverage: Double
        /// Tokens of the scoring prompt, and of all the candidate replies scored after it (and of
        /// the question-support passes).
        public var promptTokens = 0
        public var scoredTokens = 0
        /// The best `QuestionSupport` gain of the candidates' sentences (the question's relation
        /// words' mean gain), when measured and the question has relation words.
        public var questionSupport: Double?
        public var seconds = 0.0
    }

    /// Reads `sources` for `question`; `background` (the retrieved chunks) gives the term statistics.
    /// - Parameter similarity: the cosine similarity of the question to each of some sentences
    ///   (their embeddings'), which breaks ties between sentences that hold the same question terms
    ///   (`semanticWeight`); by default none, and terms alone rank them.
    public func read(_ question: String, sources: [SourcePassage], background: [SourcePassage],
                     scorer: any ContinuationScorer,
                     similarity: (_ question: String, _ sentences: [String]) throws -> [Double] = { _, _ in [] }) throws -> Reading {
        let started = Date()
        let (questionTerms, anchors) = terms(of: question)
        let type = AnswerType(question: question)
        let focus = AnswerCandidates.focus(of: question)
        var spansOfSentence: [String: [AnswerCandidate]] = [:]
        func sentenceSpans(_ sentence: String) -> [AnswerCandidate] {
            if let known = spansOfSentence[sentence] { return known }
            let found = AnswerCandidates.spans(of: sentence, questionTerms: questionTerms, focus: focus, analyzer: analyzer)
            spansOfSentence[sentence] = found
            return found
        }
        let ranked = try rank(questionTerms, anchors: anchors, sources: sources, background: background,
                              holdsAnswerType: type == .any || typeWeight == 0 ? nil : { sentenceSpans($0).contains(where: type.admits) },
                              similarity: { try similarity(question, $0) })
        var reading = Reading(answer: nil, evidence: Array(ranked.evidence.prefix(sentences)), coverage: ranked.coverage)
        func finished() -> Reading {
            reading.seconds = Date().timeIntervalSince(started)
            return reading
        }
        let relevance = ranked.relevance.prefix(sentences)
        guard ranked.coverage >= minimumCoverage, let best = relevance.max(), best > 0 else { return finished() }
        var spans: [(candidate: AnswerCandidate, relevance: Double, sentence: Int)] = []
        // A sentence sharing no term with the question, or far less than the best sentence, is shown but
        // answers nothing: it is about something else ("the first Naxrav-97 lantern" for "Where is the
        // Belmi-40 lantern kept?"), and a span of the asked-for type there is a guess. Relevance counts
        // the question's names as ranking does: a sentence about another instrument that shares more
        // plain words with the question ("Today the Humtou theodolite is kept in …" for "Where is the
        // Grerknin theodolite kept today?") is less relevant than one naming the Grerknin theodolite.
        for (index, sentence) in reading.evidence.enumerated() where sentence.score > 0 && relevance[index] >= minimumRelevance * best {
            for candidate in sentenceSpans(sentence.text)
            where !spans.contains(where: { $0.candidate.text == candidate.text }) {
                spans.append((candidate, relevance[index] / best, index))
            }
        }
        // The subject of a sentence that says everything "Who …?" says is who did it, capital or not
        // ("Weed ultimately got Seward elected to the senate." for "Who got Seward elected to the senate?").
        let statesQuestion = reading.evidence.map { Set(analyzer.analyze($0.text)).isSuperset(of: questionTerms) }
        var candidates = spans.filter { span in
            type.admits(span.candidate) || type == .person && span.candidate.startsSentence && statesQuestion[span.sentence]
        }
        // A sentence that makes the question's own words less likely than no passage is about what
        // the question names, not what it asks: its spans answer nothing.
        if let minimum = minimumQuestionSupport, !candidates.isEmpty {
            let held = Array(Set(candidates.map(\.sentence))).sorted()
            let measured = try QuestionSupport.gains(of: held.map { reading.evidence[$0].text }, for: question, scorer: scorer)
            reading.scoredTokens += measured.tokens
            reading.questionSupport = measured.gains.compactMap { $0 }.max()
            let unsupported = Set(zip(held, measured.gains).compactMap { sentence, gain in gain.map { $0 < minimum } == true ? sentence : nil })
            candidates.removeAll { unsupported.contains($0.sentence) }
        }
        guard !candidates.isEmpty else { return finished() }
        let context = reading.evidence.map(\.text).joined(separator: " ")
        func messages(asking asked: String) -> [ChatMessage] { Self.messages(context: context, question: asked) }
        let replies = candidates.map(\.candidate.text) + (offersNoAnswer ? [Self.noAnswerReply] : [])
        let scores = try scorer.logProbabilities(messages(asking: question), of: replies)
        let scored = scores.replies
        reading.promptTokens = scores.promptTokens
        reading.scoredTokens += scored.map(\.tokens).reduce(0, +)
        let exponent = lengthExponent
        let length = { (reply: (logProbability: Double, tokens: Int)) in reply.logProbability / pow(Double(reply.tokens), exponent) }
        var prior = scored.map { _ in 0.0 }
        if calibration != 0 {
            let baseline = try scorer.logProbabilities(messages(asking: contentFreeQuestion), of: replies)
            reading.scoredTokens += baseline.replies.map(\.tokens).reduce(0, +)
            prior = baseline.replies.map(length)
        }
        let totals = replies.indices.map { i in
            let calibrated = length(scored[i]) - calibration * prior[i]
            guard i < candidates.count else { return calibrated + relevanceWeight }
            let holdsFocus = focus.map { focus in candidates[i].candidate.words.contains { AnswerCandidates.isFocusWord($0, focus) } } ?? false
            return calibrated + relevanceWeight * candidates[i].relevance + (holdsFocus ? focusWeight : 0)
        }
        let winner = totals.indices.max { totals[$0] < totals[$1] }!
        guard winner < candidates.count else { return finished() }
        let sentence = reading.evidence[candidates[winner].sentence]
        let answer = AnswerCandidates.phrase(of: candidates[winner].candidate.text, in: sentence.text, type: type,
                                             asksManner: Self.asksManner(question))
        reading.answer = type == .person ? Self.fullName(of: answer, in: reading.evidence.map(\.text)) : answer
        reading.evidence[candidates[winner].sentence].cited = true
        return finished()
    }

    /// All the sentences of `sources`, ranked for `question` as `read` ranks them (best first; `read`
    /// shows the first `sentences`): the evidence a reader adapter is trained to read (compare's raft arm).
    public func rankedEvidence(for question: String, sources: [SourcePassage], background: [SourcePassage],
                               similarity: (_ question: String, _ sentences: [String]) throws -> [Double] = { _, _ in [] }) rethrows -> [Evidence] {
        let (questionTerms, anchors) = terms(of: question)
        let type = AnswerType(question: question)
        let focus = AnswerCandidates.focus(of: question)
        let holdsAnswerType: ((String) -> Bool)? = type == .any || typeWeight == 0 ? nil : { sentence in
            AnswerCandidates.spans(of: sentence, questionTerms: questionTerms, focus: focus, analyzer: analyzer).contains(where: type.admits)
        }
        return try rank(questionTerms, anchors: anchors, sources: sources, background: background, holdsAnswerType: holdsAnswerType,
                        similarity: { try similarity(question, $0) }).evidence
    }

    /// The best-ranked sentence of `sources` that states what a yes/no `question` asks: it holds
    /// every content term of the question (its names, numbers, nouns and verbs, and the ordinals
    /// and quantifiers that would change the claim, as "first" in "Was Lincoln the first
    /// President?"; a plain word the retrieved chunks write one letter otherwise, as a misspelling, is
    /// read past),
    /// cited; nil when no sentence holds them all or the question has fewer than two.
    /// Negation is not read (the analyzer drops "not"), so a sentence that denies the claim word for
    /// word still supports it; the caller decides what "not stated" means.
    public func supportingSentence(for question: String, sources: [SourcePassage], background: [SourcePassage]) -> Evidence? {
        var (statement, anchors) = terms(of: question)
        for word in AnswerCandidates.tokens(of: question) where Self.claimWords.contains(word.lowercased()) {
            statement.formUnion(analyzer.analyze(word))
        }
        // As for coverage in `read`: a plain word the retrieved text misspells or inflects otherwise
        // ("tha" for "than", "made" for "make") is read as that word; a word it never uses in any
        // spelling ("Is honey made by wasps?"), a name, a number or an ordinal ("the eighth richest")
        // is the claim's and has to be there.
        let used = Set((background.isEmpty ? sources : background).flatMap { analyzer.analyze($0.chunk.body) })
        let numbers = Set(AnswerCandidates.tokens(of: question).filter(AnswerType.isNumberWord).flatMap { analyzer.analyze($0) })
        statement = statement.filter { term in
            anchors.contains(term) || numbers.contains(term) || !Self.isSlip(term, of: used)
        }
        guard statement.count >= 2 else { return nil }
        let ranked = rank(statement, anchors: anchors, sources: sources, background: background, similarity: { _ in [] }).evidence
        guard var support = ranked.first(where: { Set(analyzer.analyze($0.text)).isSuperset(of: statement) }) else { return nil }
        support.cited = true
        return support
    }

    /// Whether `term` is not in `used` but one edit (a letter added, dropped or changed) away from a
    /// term of at least three letters that is: a misspelling or another form of a word the text uses.
    static func isSlip(_ term: String, of used: Set<String>) -> Bool {
        guard !used.contains(term), term.count >= 3 else { return false }
        let a = Array(term)
        return used.contains { word in
            let b = Array(word)
            guard b.count >= 3, abs(a.count - b.count) <= 1 else { return false }
            var i = 0, j = 0, edits = 0
            while i < a.count || j < b.count {
                if i < a.count, j < b.count, a[i] == b[j] { i += 1; j += 1; continue }
                edits += 1
                if edits > 1 { return false }
                if a.count > b.count { i += 1 } else if a.count < b.count { j += 1 } else { i += 1; j += 1 }
            }
            return true
        }
    }

    /// Function words that change what a yes/no question claims ("the first President", "the most
    /// populous", "all of them"): a supporting sentence must hold them too.
    static let claimWords: Set<String> = ["first", "most", "more", "many", "much", "all", "both", "each", "some"]

    /// A person named by one word ("Tesla") as the longest name ending with it that `sentences` use
    /// ("Nikola Tesla"), or `name` itself.
    static func fullName(of name: String, in sentences: [String]) -> String {
        guard !name.contains(" "), name.first?.isUppercase == true else { return name }
        var longest = name
        for sentence in sentences {
            let tokens = AnswerCandidates.tokenSpans(of: sentence)
            for end in tokens.indices where tokens[end].text == name {
                var start = end
                while start > 0, tokens[start - 1].isWord, tokens[start - 1].isCapitalized,
                      !AnswerCandidates.isFunctionWord(tokens[start - 1].text) { start -= 1 }
                let full = String(sentence[tokens[start].range.lowerBound..<tokens[end].range.upperBound])
                if full.count > longest.count { longest = full }
            }
        }
        return longest
    }

    /// Whether `question` asks how something is done ("How did …", "How do …"), not how much or how many.
    static func asksManner(_ question: String) -> Bool {
        let words = question.lowercased().split { !$0.isLetter }
        return words.first == "how" && words.dropFirst().first.map { YesNoAnswerer.auxiliaries.contains(String($0)) } == true
    }

    /// The reply of a reader trained by `ReaderExampleBuilder` when the context does not hold the answer.
    public static let noAnswerReply = "not found"

    /// The scoring prompt: the evidence sentences, then the question. `ReaderExampleBuilder` trains on it.
    public static func messages(context: String, question: String) -> [ChatMessage] {
        [.system("Answer the question with a few words copied from the context."), .user("Context: \(context)\nQuestion: \(question)")]
    }

    /// The terms of a question's content words, and those of its anchors (names and numbers).
    func terms(of question: String) -> (all: Set<String>, anchors: Set<String>) {
        var all = Set<String>(), anchors = Set<String>()
        for (i, word) in AnswerCandidates.tokens(of: question).enumerated() where !AnswerCandidates.isFunctionWord(word) {
            let terms = analyzer.analyze(word)
            all.formUnion(terms)
            if AnswerCandidates.isAnchor(word, at: i) { anchors.formUnion(terms) }
        }
        return (all, anchors)
    }

    /// The sentences of `sources` (each once), best first, with their relevance to the candidates,
    /// and the largest share of the question's anchor weight one sentence holds (without anchors,
    /// the best sentence's share of the weight of the question's terms, less those the background
    /// writes one letter otherwise: `isSlip`).
    /// A sentence's priority is its score plus `anchorWeight` − 1 times the weight of the anchors
    /// it holds, less `semanticWeight` × the top score × how much less similar to the question
    /// (`similarity`, over the sentences holding a question term; none: no penalty) it is than the most similar, plus
    /// `typeWeight` × the top priority when `holdsAnswerType` says it has a span of the question's type.
    /// Its relevance is its score, less `anchorWeight` − 1 times the anchor weight it lacks that
    /// the sentence holding most holds, less the same similarity penalty.
    func rank(_ questionTerms: Set<String>, anchors: Set<String>, sources: [SourcePassage], background: [SourcePassage],
              holdsAnswerType: ((String) -> Bool)? = nil,
              similarity: ([String]) throws -> [Double] = { _ in [] }) rethrows -> (evidence: [Evidence], relevance: [Double], coverage: Double) {
        let split = sources.map { ($0.number, TextChunker.sentences(of: $0.shownText)) }
        let backgroundSentences = (background.isEmpty ? sources : background).flatMap { TextChunker.sentences(of: $0.chunk.body) }
        let sentenceTerms = backgroundSentences.map { Set(analyzer.analyze($0)) }
        let count = Double(max(sentenceTerms.count, 1))
        let weight = Dictionary(uniqueKeysWithValues: questionTerms.map { term in
            let frequency = Double(sentenceTerms.filter { $0.contains(term) }.count)
            return (term, log(1 + (count - frequency + 0.5) / (frequency + 0.5)))
        })
        var evidence: [Evidence] = [], anchorWeights: [Double] = []
        // A sentence shown twice (overlapping chunks, a neighbour window) is evidence once, from its first source.
        var seen = Set<String>()
        for (source, sentences) in split {
            for sentence in sentences where seen.insert(sentence).inserted {
                let held = questionTerms.intersection(analyzer.analyze(sentence))
                evidence.append(Evidence(text: sentence, source: source, score: held.reduce(0.0) { $0 + weight[$1]! }))
                anchorWeights.append(held.intersection(anchors).reduce(0.0) { $0 + weight[$1]! })
            }
        }
        let lexical = evidence.indices.map { evidence[$0].score + (anchorWeight - 1) * anchorWeights[$0] }
        // Sentences that hold the same terms ("The Pimcend chronometer has a case of cast iron." and "The
        // Pimcend chronometer was built by Quand Kansein." for "What is the Pimcend chronometer made of?")
        // are told apart by meaning: each loses `semanticWeight` × the top score × how much less
        // similar to the question it is than the most similar sentence that holds a question term.
        var meaning = evidence.map { _ in 0.0 }
        if semanticWeight > 0, let top = evidence.map(\.score).max(), top > 0 {
            let scored = evidence.indices.filter { evidence[$0].score > 0 }
            let cosines = scored.isEmpty ? [] : try similarity(scored.map { evidence[$0].text })
            if let most = cosines.max() {
                for (i, cosine) in zip(scored, cosines) { meaning[i] = -semanticWeight * top * (most - cosine) }
            }
        }
        let priority = evidence.indices.map { lexical[$0] + meaning[$0] }
        var typed = priority
        if let holdsAnswerType, let top = lexical.max() {
            // Among sentences about the same things, the ones that can answer this type of question first.
            // A sentence sharing no term with the question ("Engineering notes 0" for "How much did the
            // reactor cost?") is about something else, whatever types it holds.
            for i in evidence.indices where evidence[i].score > 0 && holdsAnswerType(evidence[i].text) {
                typed[i] += typeWeight * top
            }
        }
        let order = evidence.indices.sorted { a, b in
            typed[a] != typed[b] ? typed[a] > typed[b] : priority[a] != priority[b] ? priority[a] > priority[b] : a < b
        }
        // A question without names is measured by the terms the retrieved text uses: a plain word it
        // writes one letter otherwise ("photgraph", a misspelling) says nothing about which sentence answers.
        let backgroundTerms = sentenceTerms.reduce(into: Set<String>()) { $0.formUnion($1) }
        let counted = questionTerms.filter { term in !Self.isSlip(term, of: backgroundTerms) }
        let anchorTotal = anchors.reduce(0.0) { $0 + weight[$1]! }, total = counted.reduce(0.0) { $0 + weight[$1]! }
        let best = evidence.map(\.score).max() ?? 0
        let coverage = anchorTotal > 0 ? (anchorWeights.max() ?? 0) / anchorTotal : total > 0 ? best / total : 0
        // Relevance to the candidates: the plain score, less the anchor weight a sentence lacks that another
        // holds ("Today the Humtou theodolite is kept in …" shares more words with "Where is the Grerknin
        // theodolite kept today?" than "The Grerknin theodolite now stands in …", but not its name), and
        // what meaning takes off.
        let mostAnchors = anchorWeights.max() ?? 0
        let relevance = evidence.indices.map { evidence[$0].score - (anchorWeight - 1) * (mostAnchors - anchorWeights[$0]) + meaning[$0] }
        return (order.map { evidence[$0] }, order.map { relevance[$0] }, coverage)
    }
}
