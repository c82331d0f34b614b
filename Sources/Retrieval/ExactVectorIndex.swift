import RagTuneTensor

/// Exact (brute-force) inner-product search: all vectors in one row-major matrix, each batch of
/// queries scored against it with one SGEMM, then a top-k per query. With L2-normalized vectors
/// (MiniLM's) the inner product is the cosine similarity.
public struct ExactVectorIndex: Sendable {
    /// Length of every vector.
    public let dimension: Int
    /// `[count, dimension]`, row-major.
    public private(set) var vectors: [Float] = []

    public init(dimension: Int) {
        self.dimension = dimension
    }

    /// Number of vectors.
    public var count: Int { vectors.count / max(1, dimension) }

    /// Appends vectors; their positions are `count ..< count + added`.
    public mutating func add(contentsOf newVectors: [[Float]]) throws {
        for (i, v) in newVectors.enumerated() where v.count != dimension {
            throw RetrievalError.invalidInput("vector \(i) has \(v.count) values; the index holds \(dimension)-d vectors")
        }
        vectors.reserveCapacity(vectors.count + newVectors.count * dimension)
        for v in newVectors { vectors += v }
    }

    /// The `k` best vectors for each query, best first.
    /// - Parameters:
    ///   - queries: `[n][dimension]`
    ///   - include: when given, only positions for which it returns true are ranked (a filter applied
    ///     before the top-k, never after).
    /// - Returns: `[n]` lists of at most `k` hits.
    public func search(_ queries: [[Float]], k: Int, threads: Int = 1,
                       include: (@Sendable (Int) -> Bool)? = nil) throws -> [[ScoredDocument]] {
        for (i, q) in queries.enumerated() where q.count != dimension {
            throw RetrievalError.invalidInput("query \(i) has \(q.count) values; the index holds \(dimension)-d vectors")
        }
        let n = count, batch = 256
        guard n > 0 else { return queries.map { _ in [] } }
        var results: [[ScoredDocument]] = []
        results.reserveCapacity(queries.count)
        var scores = [Float](repeating: 0, count: min(batch, queries.count) * n)
        for start in stride(from: 0, to: queries.count, by: batch) {
            let chunk = Array(queries[start..<min(start + batch, queries.count)])
            let flat = chunk.flatMap { $0 }
            // scores[q, doc] = query q · vector doc
            flat.withUnsafeBufferPointer { a in
                vectors.withUnsafeBufferPointer { b in
                    scores.withUnsafeMutableBufferPointer { c in
                        BLAS.parallelSgemm(transposeB: true, m: chunk.count, n: n, k: dimension,
                                           a: a.baseAddress!, lda: dimension, b: b.baseAddress!, ldb: dimension,
                                           c: c.baseAddress!, ldc: n, threads: threads)
                    }
                }
            }
            var chunkResults = [[ScoredDocument]](repeating: [], count: chunk.count)
            scores.withUnsafeBufferPointer { s in
                chunkResults.withUnsafeMutableBufferPointer { out in
                    let base = out.baseAddress!
                    Parallel.forEach(count: chunk.count, threads: threads) { q in
                        base[q] = ScoredDocument.top(k, of: UnsafeBufferPointer(rebasing: s[(q * n)..<((q + 1) * n)]),
                                                     include: include)
                    }
                }
            }
            results += chunkResults
        }
        return results
    }
}
