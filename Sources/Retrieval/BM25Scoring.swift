import Foundation

/// Lucene's BM25 (Lucene ≥ 8, Kamphuis et al. ECIR 2020), exactly as bm25s `method="lucene"`:
///
///     idf(t)     = ln(1 + (N − df + 0.5) / (df + 0.5))
///     w(t, d)    = idf(t) · tf / (tf + k1 · (1 − b + b · |d| / avgdl))
///     score(q,d) = Σ over query tokens t (repeats counted) of w(t, d)
///
/// There is no `(k1 + 1)` factor in the numerator (Lucene dropped it; rankings are the same).
/// `|d|` counts a document's tokens after stopword removal. Independent of how postings are stored.
public struct BM25Scoring: Sendable, Equatable {
    /// Term-frequency saturation (≥ 0); bm25s and Pyserini default to 1.2 (Pyserini BEIR: 0.9).
    public var k1: Double
    /// Length normalisation in [0, 1]; 0.75 by default (Pyserini BEIR: 0.4).
    public var b: Double

    public init(k1: Double = 1.2, b: Double = 0.75) {
        self.k1 = k1
        self.b = b
    }

    /// Throws `RetrievalError.invalidInput` unless `k1` is finite and ≥ 0 and `b` is in [0, 1].
    public func validate() throws {
        guard k1.isFinite, k1 >= 0 else { throw RetrievalError.invalidInput("BM25 k1 must be finite and >= 0, got \(k1)") }
        guard b.isFinite, b >= 0, b <= 1 else { throw RetrievalError.invalidInput("BM25 b must be in [0, 1], got \(b)") }
    }

    /// Inverse document frequency of a term found in `documentFrequency` of `documentCount` documents.
    public func idf(documentFrequency df: Int, documentCount n: Int) -> Double {
        log(1 + (Double(n) - Double(df) + 0.5) / (Double(df) + 0.5))
    }

    /// w(t, d) for one posting: the value added to document d's score per query occurrence of t.
    /// - Parameters:
    ///   - termFrequency: occurrences of the term in the document (≥ 1).
    ///   - documentLength: tokens in the document after stopword removal.
    ///   - averageDocumentLength: mean `documentLength` over the collection (> 0).
    public func weight(idf: Double, termFrequency tf: Int, documentLength: Int,
                       averageDocumentLength: Double) -> Float {
        let tf = Double(tf)
        let norm = k1 * (1 - b + b * Double(documentLength) / averageDocumentLength)
        return Float(idf * tf / (tf + norm))
    }
}
