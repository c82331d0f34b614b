import Testing
@testable import RagTuneRetrieval

/// Expected values are bm25s 0.3.16 `bm25s.tokenize(texts, stopwords="en", stemmer=Stemmer("english"))`
/// (and with `stopwords=None, stemmer=None` for `tokenize`), run on these exact strings.
@Suite struct EnglishAnalyzerTests {
    let analyzer = EnglishAnalyzer()

    @Test(arguments: [
        ("The cats' sat on the mat, and THE dogs ran!", ["cat", "sat", "mat", "dog", "ran"]),
        ("a b c I x y z ok", ["ok"]),
        ("COVID-19 vaccines: 95% effective (n=43,548) in 2020.",
         ["covid", "19", "vaccin", "95", "effect", "43", "548", "2020"]),
        ("Café naïve ÜBER straße İstanbul ΣΊΣΥΦΟΣ", ["café", "naïv", "über", "straße", "stanbul", "σίσυφος"]),
        ("hello_world foo__bar x_y _a __", ["hello_world", "foo__bar", "x_i", "_a", "__"]),
        ("²³ x² ½ 2nd β-catenin αβ", ["²³", "x²", "2nd", "catenin", "αβ"]),
        ("it is not what it was; that is such a thing", ["what", "thing"]),
        ("TNF-α–induced IL-1β secretion ≥ 2·10⁵ cells", ["tnf", "induc", "il", "1β", "secret", "10⁵", "cell"]),
        ("e.g. U.S.A. don't can't", ["don", "can"]),
        ("ΟΔΟΣ ΣΑ Σ1 ΑΣ_", ["οδος", "σα", "σ1", "ας_"]),
        ("", []),
        ("   ...   ", []),
    ])
    func analyzesLikeBM25s(text: String, terms: [String]) {
        #expect(analyzer.analyze(text) == terms)
    }

    @Test func tokenizeKeepsStopwordsAndSurfaceForms() {
        #expect(analyzer.tokenize("The cats' sat on the mat, and THE dogs ran!")
            == ["the", "cats", "sat", "on", "the", "mat", "and", "the", "dogs", "ran"])
        #expect(analyzer.tokenize("İstanbul") == ["stanbul"])   // İ lowers to i + U+0307, a non-word mark
    }

    @Test func stopwordsAreTheBM25sEnglishList() {
        #expect(EnglishAnalyzer.bm25sEnglishStopwords.count == 33)
        #expect(analyzer.analyze(EnglishAnalyzer.bm25sEnglishStopwords.joined(separator: " ")).isEmpty)
        // Not on the bm25s list (it is shorter than NLTK's): kept and stemmed.
        #expect(analyzer.analyze("what about being") == ["what", "about", "be"])
    }

    @Test func optionsTurnOffStopwordsAndStemming() {
        let plain = EnglishAnalyzer(stopwords: [], stemming: false)
        #expect(plain.analyze("The Running dogs") == ["the", "running", "dogs"])
        let custom = EnglishAnalyzer(stopwords: ["DOGS"], stemming: true)
        #expect(custom.analyze("The Running dogs") == ["the", "run"])
    }

    @Test func longAndRepeatedTokensSurvive() {
        let long = String(repeating: "ab", count: 300)
        #expect(analyzer.analyze("\(long) \(long)") == [long, long])
    }
}
