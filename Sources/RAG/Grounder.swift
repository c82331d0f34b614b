import Foundation
import RagTuneModelFiles
import RagTuneRetrieval

/// Checks a generated answer against its sources: explicit `[n]` citations are kept when they
/// name a source and stripped when they do not, and every sentence is traced to the source that
/// best supports its new information (the answer's analyzed terms that the question did not
/// already contain). A sentence is supported when the sources together hold at least
/// `minimumSupport` of its new terms; an answer whose informative sentences are all unsupported
/// (and that cites nothing) is unsupported.
public struct Grounder: Sendable {
    /// Fraction of a sentence's new terms the sources together must contain to support it.
    public var minimumSupport: Double = 0.5
    /// Fraction of a sentence's new terms one source must contain to be cited for it.
    public var minimumCitationSupport: Double = 0.25
    private let analyzer = EnglishAnalyzer()
    /// Analyzed answer words that carry no claim of their own ("Yes.", "False.", "The answer to
    /// this question is: …", "According to the sources, …").
    private static let fillers: Set<String> = ["yes", "no", "true", "fals", "correct", "incorrect", "right", "wrong",
                                               "answer", "question", "accord", "sourc", "provid", "text", "passag"]

    public init(minimumSupport: Double = 0.5, minimumCitationSupport: Double = 0.25) {
        self.minimumSupport = minimumSupport
        self.minimumCitationSupport = minimumCitationSupport
    }

    /// One sentence of the answer and where it comes from.
    public struct SentenceSupport: Sendable, Equatable, Encodable {
        public var text: String
        /// The best supporting source's number, nil when the sentence is unsupported, no source
        /// reaches `minimumCitationSupport`, or the sentence adds nothing to the question ("Yes.").
        @NullEncoded public var source: Int?
        /// Fraction of the sentence's new terms found in the sources together (1 when there are none).
        public var support: Double
        /// Whether the sentence adds terms the question did not contain.
        public var informative: Bool
    }

    /// The checked answer.
    public struct GroundedAnswer: Sendable, Equatable {
        /// The answer with citations of non-existent sources removed.
        public var text: String
        /// Sources cited, explicitly or by support, in order of first use.
        public var citations: [Int]
        /// `[n]` markers naming a real source, in order of first use.
        public var explicitCitations: [Int]
        /// `[n]` markers naming no source (removed from `text`).
        public var invalidCitations: [Int]
        public var sentences: [SentenceSupport]
        /// False when the answer has informative sentences, none of them supported, and no valid citation.
        public var isSupported: Bool
    }

    public func ground(answer: String, question: String, sources: [SourcePassage]) -> GroundedAnswer {
        let numbers = Set(sources.map(\.number))
        var explicit: [Int] = [], invalid: [Int] = []
        let text = Self.rewriteCitations(answer) { cited in
            let valid = cited.filter(numbers.contains)
            for n in cited { if numbers.contains(n) { if !explicit.contains(n) { explicit.append(n) } } else { invalid.append(n) } }
            return valid.isEmpty ? "" : "[" + valid.map(String.init).joined(separator: ", ") + "]"
        }
        let questionTerms = Set(analyzer.analyze(question))
        let sourceTerms = sources.map { Set(analyzer.analyze($0.chunk.text + " " + $0.chunk.documentTitle)) }
        var sentences: [SentenceSupport] = []
        for sentence in Self.sentences(Self.rewriteCitations(text) { _ in "" }) {
            let novel = Set(analyzer.analyze(sentence)).subtracting(questionTerms).subtracting(Self.fillers)
            guard !novel.isEmpty else {
                sentences.append(SentenceSupport(text: sentence, source: nil, support: 1, informative: false))
                continue
            }
            var best: (source: Int?, support: Double) = (nil, 0)
            for (i, terms) in sourceTerms.enumerated() {
                let support = Double(novel.intersection(terms).count) / Double(novel.count)
                if support > best.support { best = (sources[i].number, support) }
            }
            let union = Double(novel.filter { term in sourceTerms.contains { $0.contains(term) } }.count) / Double(novel.count)
            let supported = union >= minimumSupport && best.support >= minimumCitationSupport
            sentences.append(SentenceSupport(text: sentence, source: supported ? best.source : nil, support: union,
                                             informative: true))
        }
        var citations = explicit
        for n in sentences.compactMap(\.source) where !citations.contains(n) { citations.append(n) }
        let informative = sentences.filter(\.informative)
        let supported = !explicit.isEmpty || informative.isEmpty || informative.contains { $0.source != nil }
        return GroundedAnswer(text: Self.tidy(text), citations: citations, explicitCitations: explicit,
                              invalidCitations: invalid, sentences: sentences, isSupported: supported)
    }

    /// `text` without its citation markers (for scoring answers against references).
    public static func removingCitations(_ text: String) -> String {
        tidy(rewriteCitations(text) { _ in "" })
    }

    /// Replaces each citation marker (`[1]`, `[1, 3]`, `[2][4]` is two markers) by `replace(numbers)`.
    static func rewriteCitations(_ text: String, _ replace: ([Int]) -> String) -> String {
        text.replacing(#/\[\s*(\d{1,4}(?:\s*,\s*\d{1,4})*)\s*\]/#) { match in
            replace(match.output.1.split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) })
        }
    }

    /// Sentences: split after `.`, `!` or `?` followed by whitespace, and at line breaks.
    static func sentences(_ text: String) -> [String] {
        var result: [String] = [], current = ""
        var previous: Character = " "
        for c in text {
            if c == "\n" || (c.isWhitespace && ".!?".contains(previous)) {
                if !current.trimmingCharacters(in: .whitespaces).isEmpty { result.append(current.trimmingCharacters(in: .whitespaces)) }
                current = ""
            } else {
                current.append(c)
            }
            previous = c
        }
        if !current.trimmingCharacters(in: .whitespaces).isEmpty { result.append(current.trimmingCharacters(in: .whitespaces)) }
        return result
    }

    /// Removes the spaces a stripped marker leaves before punctuation and doubled spaces.
    private static func tidy(_ text: String) -> String {
        var s = text
        for (from, to) in [("  ", " "), (" .", "."), (" ,", ","), (" ;", ";"), (" ?", "?"), (" !", "!")] {
            while s.contains(from) { s = s.replacingOccurrences(of: from, with: to) }
        }
        return s.trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
