import Foundation
import RagTuneTensor

/// The unanswerable probe: questions about things the documents do not contain, made from the
/// evaluation questions by replacing each name in them (a capitalized word after the first, a word
/// with a digit) with an invented one that occurs in no document ("Who designed the Mordro-18
/// reactor?" → "Who designed the Bextra-63 reactor?"). Refusing is right; any other answer is a
/// confident wrong one.
public struct UnanswerableProbe: Codable, Sendable, Equatable {
    /// Questions asked.
    public var asked: Int
    /// Answered "not found".
    public var refused: Int
    /// Answered with something else: confident wrong answers.
    public var answered: Int

    /// At most `count` probe questions, one per fact, from `evaluation` (seeded choice); questions
    /// without a name are not used. `vocabulary` holds the documents' words, lowercased.
    static func questions(from evaluation: [CompareQuestion], vocabulary: Set<String>, count: Int, seed: UInt64) -> [(id: String, question: String)] {
        var random = SplitMix64(seed: seed ^ 0x756e_616e_7377)
        var seenFacts = Set<String>(), probes: [(id: String, question: String)] = []
        for question in evaluation.shuffled(using: &random) where probes.count < count && seenFacts.insert(question.fact).inserted {
            if let invented = invent(question.pair.question, vocabulary: vocabulary, random: &random) {
                probes.append((id: "unanswerable-\(question.pair.id)", question: invented))
            }
        }
        return probes
    }

    /// `question` with each of its names replaced by an invented word, or nil when it has no name.
    static func invent(_ question: String, vocabulary: Set<String>, random: inout SplitMix64) -> String? {
        var words = question.split(separator: " ", omittingEmptySubsequences: false).map(String.init)
        var replaced = false
        for i in words.indices {
            let word = words[i].trimmingCharacters(in: .punctuationCharacters)
            guard !word.isEmpty, word.contains(where: \.isNumber) || (i > 0 && word.first?.isUppercase == true) else { continue }
            var invented = word
            for _ in 0..<20 {
                invented = scramble(word, random: &random)
                if invented != word && !vocabulary.contains(invented.lowercased()) { break }
            }
            guard invented != word, !vocabulary.contains(invented.lowercased()) else { return nil }
            words[i] = words[i].replacingOccurrences(of: word, with: invented)
            replaced = true
        }
        return replaced ? words.joined(separator: " ") : nil
    }

    /// Each vowel replaced by a random vowel, each consonant by a random consonant and each digit by
    /// a random digit, keeping case and everything else.
    static func scramble(_ word: String, random: inout SplitMix64) -> String {
        let vowels = Array("aeiou"), consonants = Array("bcdfghklmnprstvz"), digits = Array("0123456789")
        return String(word.map { character -> Character in
            let lower = Character(character.lowercased())
            let pool = vowels.contains(lower) ? vowels : consonants.contains(lower) ? consonants : character.isNumber ? digits : []
            guard !pool.isEmpty else { return character }
            let pick = pool[Int(random.next(upperBound: UInt64(pool.count)))]
            return character.isUppercase ? Character(pick.uppercased()) : pick
        })
    }

    /// The lowercased words of `texts` (letters, digits and hyphens).
    static func vocabulary(of texts: [String]) -> Set<String> {
        var words = Set<String>()
        for text in texts {
            for word in text.lowercased().split(whereSeparator: { !($0.isLetter || $0.isNumber || $0 == "-") }) { words.insert(String(word)) }
        }
        return words
    }
}
