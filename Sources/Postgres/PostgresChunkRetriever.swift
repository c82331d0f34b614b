import PostgresNIO
import RagTuneRetrieval
import RagTuneStorage

/// Search inside PostgreSQL, so that no process holds the collection in memory and every query
/// sees the latest committed documents (several `serve` processes on one database agree):
/// - BM25 over the postings tables (`PostgresPostings`), scored exactly as the in-process
///   `BM25Index` scores (Lucene's BM25, the same analyzer, k1 and b);
/// - dense search by inner product with pgvector: through its HNSW index when the store has one
///   (`hnsw.ef_search` set per query), otherwise exactly. pgvector (0.6) filters HNSW candidates
///   after its `ef_search` nearest, so a query whose filters leave fewer than the requested hits is
///   answered again exactly;
/// - the caller's ACL and the metadata filters in each query's WHERE, before its LIMIT;
/// - hybrid fusion in the process with `FusionMethod`, as `ChunkSearcher` does.
/// Each search runs in one read-only repeatable-read transaction, so its lists and the rows it
/// returns come from one state of the store.
struct PostgresChunkRetriever: ChunkRetriever {
    let pool: PostgresConnectionPool
    /// The store's URL without its password (for messages).
    let path: String
    /// The HNSW index dense queries use; nil: exact search.
    let vectorIndex: PostgresVectorIndex?
    let efSearch: Int
    let denseSearch: Bool
    let scoring = BM25Scoring()

    var vectorIndexKind: VectorIndexChoice? { denseSearch ? (vectorIndex == nil ? .exact : .hnsw) : nil }

    func search(_ query: String, embedding: [Float]?, mode: SearchMode, k: Int, readers: Set<String>,
                filters: [(key: String, value: String)], fusion: FusionMethod,
                depth: Int?) throws -> [(chunk: StoredChunk, score: Float)] {
        guard k > 0 else { return [] }
        if mode != .bm25, embedding == nil {
            throw RetrievalError.invalidInput("\(mode.rawValue) search needs the query's embedding")
        }
        let depth = Self.retrievalDepth(depth, mode: mode, k: k)
        let visible = Visibility(readers: readers.sorted(), filterKeys: filters.map(\.key), filterValues: filters.map(\.value))
        return try pool.inTransaction("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY") { connection in
            let sparse = mode == .dense ? [] : try bm25(query, k: depth, visible, connection)
            let dense = mode == .bm25 ? [] : try nearest(embedding ?? [], k: depth, visible, connection)
            // Fusion works on positions: number the chunks of both lists.
            var ids: [Int64] = [], position: [Int64: Int] = [:]
            func positions(_ list: [(id: Int64, score: Float)]) -> [ScoredDocument] {
                list.map { hit in
                    if position[hit.id] == nil {
                        position[hit.id] = ids.count
                        ids.append(hit.id)
                    }
                    return ScoredDocument(index: position[hit.id]!, score: hit.score)
                }
            }
            let sparseRanked = positions(sparse), denseRanked = positions(dense)
            let ranked: [ScoredDocument]
            switch mode {
            case .bm25: ranked = sparseRanked
            case .dense: ranked = denseRanked
            case .hybrid: ranked = fusion.fuse(sparse: sparseRanked, dense: denseRanked, limit: k)
            }
            let top = Array(ranked.prefix(k))
            let rows = try chunks(ids: top.map { ids[$0.index] }, connection)
            return top.compactMap { hit in rows[ids[hit.index]].map { (chunk: $0, score: hit.score) } }
        }
    }

    func neighbours(of hits: [StoredChunk], radius: Int, readers: Set<String>) throws -> [StoredChunk] {
        guard !hits.isEmpty, radius >= 0 else { return [] }
        return try pool.inTransaction("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY") { connection in
            try pool.query("""
                SELECT \(unescaped: PostgresStore.chunkColumns(withEmbeddings: false))
                FROM ragtune_chunk c JOIN ragtune_document d ON d.id = c.document_id
                WHERE EXISTS (SELECT 1 FROM unnest(\(hits.map(\.documentID)), \(hits.map(\.ordinal))) AS h(document_id, ordinal)
                              WHERE c.document_id = h.document_id AND c.ordinal BETWEEN h.ordinal - \(radius) AND h.ordinal + \(radius))
                  AND (cardinality(d.acl) = 0 OR d.acl && \(readers.sorted())::text[])
                ORDER BY c.document_id COLLATE "C", c.ordinal
                """, on: connection).rows.map { try PostgresStore.decodeChunk($0, path: path) }
        }
    }

    // MARK: - Queries

    /// The `k` best chunks by BM25, with `BM25Scoring`'s idf from the postings' document
    /// frequencies and the collection's counts (each query term counted once per occurrence); ties
    /// in store order. Scores are summed over the postings index alone, once (a materialized CTE, so no
    /// plan can run the sum per document), then the filters are applied.
    private func bm25(_ query: String, k: Int, _ visible: Visibility,
                      _ connection: PostgresConnection) throws -> [(id: Int64, score: Float)] {
        var occurrences: [String: Int] = [:]
        for term in PostgresPostings.analyzer.analyze(query) { occurrences[term, default: 0] += 1 }
        guard !occurrences.isEmpty,
              let (chunks, tokens) = try pool.query("SELECT chunks, tokens FROM ragtune_corpus", on: connection).rows.first?
                .decode((Int, Int).self), chunks > 0 else { return [] }
        let frequencies = try pool.query("""
            SELECT term, count(*) FROM ragtune_posting WHERE term = ANY(\(occurrences.keys.sorted())::text[] COLLATE "C") GROUP BY term
            """, on: connection).rows.map { try $0.decode((String, Int).self) }
        guard !frequencies.isEmpty else { return [] }
        let weights = frequencies.map { term, df in
            Double(occurrences[term] ?? 0) * scoring.idf(documentFrequency: df, documentCount: chunks)
        }
        let averageLength = max(Double(tokens) / Double(chunks), 1e-9)
        /// The best `k` visible chunks among those scoring at least the `candidates`-th best score.
        func ranked(candidates: Int) throws -> [(id: Int64, score: Float)] {
            try pool.query("""
                WITH scores AS MATERIALIZED (
                    SELECT p.chunk_id, sum(q.weight * p.tf / (p.tf + \(scoring.k1) * (1 - \(scoring.b) + \(scoring.b) * p.length / \(averageLength))))
                           AS score
                    FROM unnest(\(frequencies.map(\.0))::text[], \(weights)::float8[]) AS q(term, weight)
                    JOIN ragtune_posting p ON p.term = q.term COLLATE "C"
                    GROUP BY p.chunk_id),
                best AS MATERIALIZED (
                    SELECT * FROM scores
                    WHERE score >= coalesce((SELECT score FROM scores ORDER BY score DESC OFFSET \(candidates - 1) LIMIT 1), '-infinity'))
                SELECT s.chunk_id, s.score::float4 FROM best s CROSS JOIN LATERAL (\(visibleChunk: "s.chunk_id", visible)) AS v
                ORDER BY s.score DESC, v.document_id COLLATE "C", v.ordinal LIMIT \(k)
                """, on: connection).rows.map { try $0.decode((Int64, Float).self) }
        }
        // The filters are checked on the best few hundred first (one index lookup each); only when
        // they leave fewer than `k` are all scored chunks checked.
        let candidates = max(4 * k, k + 100)
        let best = try ranked(candidates: candidates)
        return best.count >= k ? best : try ranked(candidates: Int(Int32.max))
    }

    /// The `k` chunks of largest inner product with `embedding`: among the HNSW index's `ef_search`
    /// nearest when the store has the index (the inner LIMIT keeps the plan on the index whatever the
    /// planner guesses of the filters), then exactly when the filters left fewer than `k` of them.
    private func nearest(_ embedding: [Float], k: Int, _ visible: Visibility,
                         _ connection: PostgresConnection) throws -> [(id: Int64, score: Float)] {
        let vector = PostgresStore.vectorText(embedding)
        if let index = vectorIndex, index.dimension == embedding.count {
            // pgvector caps ef_search at 1000.
            let candidates = min(1000, max(efSearch, k))
            try pool.run("SET LOCAL hnsw.ef_search = \(candidates)", on: connection)
            let cast = "vector(\(index.dimension))"
            let approximate = try pool.query("""
                SELECT n.id, (-n.distance)::float4 FROM (
                    SELECT c.id, \(unescaped: index.expression) <#> \(vector)::\(unescaped: cast) AS distance
                    FROM ragtune_chunk c ORDER BY \(unescaped: index.expression) <#> \(vector)::\(unescaped: cast) LIMIT \(candidates)
                ) AS n CROSS JOIN LATERAL (\(visibleChunk: "n.id", visible)) AS v
                ORDER BY n.distance LIMIT \(k)
                """, on: connection).rows.map { try $0.decode((Int64, Float).self) }
            if approximate.count >= k { return approximate }
        }
        return try pool.query("""
            SELECT c.id, (-(c.embedding <#> \(vector)::vector))::float4
            FROM ragtune_chunk c JOIN ragtune_document d ON d.id = c.document_id
            WHERE \(visibleTo: visible)
            ORDER BY c.embedding <#> \(vector)::vector LIMIT \(k)
            """, on: connection).rows.map { try $0.decode((Int64, Float).self) }
    }

    /// The chunks with the given ids, by id.
    private func chunks(ids: [Int64], _ connection: PostgresConnection) throws -> [Int64: StoredChunk] {
        guard !ids.isEmpty else { return [:] }
        let rows = try pool.query("""
            SELECT \(unescaped: PostgresStore.chunkColumns(withEmbeddings: false))
            FROM ragtune_chunk c JOIN ragtune_document d ON d.id = c.document_id WHERE c.id = ANY(\(ids))
            """, on: connection).rows
        return Dictionary(try rows.map { row in let chunk = try PostgresStore.decodeChunk(row, path: path); return (chunk.id, chunk) },
                          uniquingKeysWith: { first, _ in first })
    }
}

/// Who is asking and what they filter on, bound into every search query's WHERE.
private struct Visibility {
    var readers: [String]
    var filterKeys: [String]
    var filterValues: [String]
}

extension PostgresQuery.StringInterpolation {
    /// A subquery giving the document id and ordinal of chunk `id` (an outer column) when it is
    /// visible, for a LATERAL join: one index lookup per candidate, whatever the planner estimates
    /// of the ACL and filter conditions.
    fileprivate mutating func appendInterpolation(visibleChunk id: String, _ visible: Visibility) {
        appendLiteral("SELECT c.document_id, c.ordinal FROM ragtune_chunk c JOIN ragtune_document d ON d.id = c.document_id WHERE c.id = ")
        appendInterpolation(unescaped: id)
        appendLiteral(" AND ")
        appendInterpolation(visibleTo: visible)
    }

    /// The condition a chunk `c` of document `d` must meet to be ranked: unrestricted or listing one
    /// of the readers, and every filter matched (`source` and `title` are columns, other keys metadata).
    fileprivate mutating func appendInterpolation(visibleTo visible: Visibility) {
        appendLiteral("(cardinality(d.acl) = 0 OR d.acl && ")
        appendInterpolation(visible.readers)
        appendLiteral("::text[]) AND NOT EXISTS (SELECT 1 FROM unnest(")
        appendInterpolation(visible.filterKeys)
        appendLiteral("::text[], ")
        appendInterpolation(visible.filterValues)
        appendLiteral("""
            ::text[]) AS f(key, value) WHERE (CASE f.key WHEN 'source' THEN d.source WHEN 'title' THEN d.title \
            ELSE d.metadata ->> f.key END) IS DISTINCT FROM f.value)
            """)
    }
}
