import PostgresNIO
import RagTuneRetrieval
import RagTuneStorage

/// The BM25 postings of a PostgreSQL store's chunks, kept in `ragtune_posting` (term, chunk, term
/// frequency and the chunk's length, so that scoring reads one index) with each chunk's analysed length and the collection's chunk and token counts in
/// `ragtune_corpus`. Terms come from the same `EnglishAnalyzer` as the in-process `BM25Index`, so
/// `PostgresChunkRetriever` ranks as the SQLite store does. Postings are written in the transaction
/// that writes their chunks.
enum PostgresPostings {
    /// The analyzer of every store's postings (bm25s' English stopwords, Snowball stemming).
    static let analyzer = EnglishAnalyzer()

    /// A chunk's distinct terms with their frequencies, and its length in terms.
    struct ChunkPostings {
        var terms: [String] = []
        var frequencies: [Int] = []
        var length = 0

        init(of text: String) {
            var counts: [String: Int] = [:]
            for term in PostgresPostings.analyzer.analyze(text) {
                if counts[term] == nil { terms.append(term) }
                counts[term, default: 0] += 1
                length += 1
            }
            frequencies = terms.map { counts[$0]! }
        }
    }

    /// Writes the postings of the chunks `ids` (whose `bm25_length` the caller has set), inside the
    /// caller's transaction; the caller then adds them to the collection's counts (`count`).
    static func insert(_ postings: [ChunkPostings], of ids: [Int64], _ pool: PostgresConnectionPool,
                       _ connection: PostgresConnection) throws {
        guard !ids.isEmpty else { return }
        var chunks: [Int64] = [], terms: [String] = [], frequencies: [Int] = [], lengths: [Int] = []
        for (id, chunk) in zip(ids, postings) {
            chunks += Array(repeating: id, count: chunk.terms.count)
            terms += chunk.terms
            frequencies += chunk.frequencies
            lengths += Array(repeating: chunk.length, count: chunk.terms.count)
        }
        if !chunks.isEmpty {
            try pool.query("""
                INSERT INTO ragtune_posting (chunk_id, term, tf, length) SELECT * FROM unnest(\(chunks), \(terms), \(frequencies), \(lengths))
                """, on: connection)
        }
    }

    /// Changes the collection's chunk and token counts by the given amounts, inside the caller's
    /// transaction (writers take this row's lock just before the generation's, always in that order).
    static func count(chunks: Int, tokens: Int, _ pool: PostgresConnectionPool, _ connection: PostgresConnection) throws {
        guard chunks != 0 || tokens != 0 else { return }
        try pool.query("UPDATE ragtune_corpus SET chunks = chunks + \(chunks), tokens = tokens + \(tokens)", on: connection)
    }

    /// Takes the chunks of `documents` out of the collection's counts, inside the caller's
    /// transaction, before they are deleted (their postings go with them).
    static func forget(documents: [String], _ pool: PostgresConnectionPool, _ connection: PostgresConnection) throws {
        try pool.query("""
            UPDATE ragtune_corpus SET chunks = chunks - gone.gone_chunks, tokens = tokens - gone.gone_tokens
            FROM (SELECT count(bm25_length) AS gone_chunks, coalesce(sum(bm25_length), 0) AS gone_tokens
                  FROM ragtune_chunk WHERE document_id = ANY(\(documents))) AS gone
            """, on: connection)
    }

    /// Writes the postings of chunks stored before the store kept them (migration 2), a thousand
    /// chunks per transaction, so an interrupted backfill resumes where it stopped.
    static func backfill(_ pool: PostgresConnectionPool) throws {
        while true {
            let done = try pool.inTransaction { connection in
                let rows = try pool.query("""
                    SELECT id, text FROM ragtune_chunk WHERE bm25_length IS NULL ORDER BY id LIMIT 1000 FOR UPDATE SKIP LOCKED
                    """, on: connection).rows.map { try $0.decode((Int64, String).self) }
                let ids = rows.map(\.0), postings = rows.map { ChunkPostings(of: $0.1) }
                try pool.query("""
                    UPDATE ragtune_chunk c SET bm25_length = l.length FROM unnest(\(ids), \(postings.map(\.length))) AS l(id, length)
                    WHERE c.id = l.id
                    """, on: connection)
                try insert(postings, of: ids, pool, connection)
                try count(chunks: ids.count, tokens: postings.map(\.length).reduce(0, +), pool, connection)
                return rows.isEmpty
            }
            if done { return }
        }
    }

    /// Whether some chunk still lacks its postings (a store last written before migration 2).
    static func missing(_ pool: PostgresConnectionPool, _ connection: PostgresConnection) throws -> Bool {
        try pool.query("SELECT EXISTS (SELECT 1 FROM ragtune_chunk WHERE bm25_length IS NULL)", on: connection)
            .rows.first?.decode(Bool.self) ?? false
    }
}
