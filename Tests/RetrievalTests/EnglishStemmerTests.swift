import Foundation
import Testing
@testable import RagTuneRetrieval

@Suite struct EnglishStemmerTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")

    /// ~2000 (word, stem) pairs from PyStemmer 3.1 `english` (see Fixtures/README.md): all must match.
    @Test func matchesPyStemmerGoldenPairs() throws {
        let text = try String(contentsOf: Self.fixtures.appendingPathComponent("english_stemmer_golden.tsv"), encoding: .utf8)
        let stemmer = EnglishStemmer()
        var checked = 0
        var mismatches: [String] = []
        for line in text.split(separator: "\n") {
            let parts = line.split(separator: "\t", omittingEmptySubsequences: false)
            guard parts.count == 2 else { continue }
            let got = stemmer.stem(String(parts[0]))
            if got != parts[1] { mismatches.append("\(parts[0]): expected \(parts[1]), got \(got)") }
            checked += 1
        }
        #expect(checked >= 2000)
        #expect(mismatches.isEmpty, "\(mismatches.count) mismatches, e.g. \(mismatches.prefix(20))")
    }

    /// Rules of https://snowballstem.org/algorithms/english/stemmer.html, one word each.
    @Test(arguments: [
        ("caresses", "caress"), ("ponies", "poni"), ("ties", "tie"), ("cats", "cat"), ("gas", "gas"),
        ("gaps", "gap"), ("kiwis", "kiwi"), ("agreed", "agre"), ("feed", "feed"), ("hoped", "hope"),
        ("hopping", "hop"), ("luxuriated", "luxuri"), ("cry", "cri"), ("by", "by"), ("say", "say"),
        ("generously", "generous"), ("emerged", "emerg"), ("international", "internat"),
        ("psychologist", "psycholog"), ("dying", "die"), ("inning", "inning"), ("proceeding", "proceed"),
        ("skis", "ski"), ("skies", "sky"), ("news", "news"), ("early", "earli"), ("pasted", "paste"),
        ("conditional", "condit"), ("controllable", "control"), ("hopefulness", "hope"), ("yelling", "yell"),
        ("sayyid", "sayyid"), ("cafés", "café"), ("2019s", "2019s"), ("a", "a"), ("", ""),
    ])
    func appliesTheDocumentedRules(word: String, stem: String) {
        #expect(EnglishStemmer().stem(word) == stem)
    }
}
