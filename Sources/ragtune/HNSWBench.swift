import ArgumentParser
import Foundation
import RagTuneEvaluation
import RagTuneModels
import RagTuneRetrieval
import RagTuneTensor

/// `ragtune bench hnsw`: HNSW build docs/s, queries/s and recall@10 against exact search on MiniLM
/// embeddings of a BEIR corpus (SciFact by default), measured the way
/// Benchmarks/hnsw_scifact_reference.py measures hnswlib on the same cached vectors.
struct HNSWBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hnsw",
        abstract: "HNSW build docs/s, queries/s and recall@10 vs exact search on MiniLM vectors of a BEIR corpus.",
        discussion: """
            Documents (title + " " + text, as BEIR) and queries are embedded with all-MiniLM-L6-v2 once and \
            cached as raw little-endian float32 (docs.f32, queries.f32) with a meta.json naming the shapes \
            and the source files' sizes and modification times; the cache is rebuilt when those change. \
            Each point runs all queries repeatedly for at least --seconds, three rounds, median reported.
            """)

    @Option(help: "BEIR corpus.jsonl.")
    var corpus: String = "../shared/data/scifact/corpus.jsonl"

    @Option(help: "BEIR queries.jsonl (all queries are used).")
    var queries: String = "../shared/data/scifact/queries.jsonl"

    @Option(name: .customLong("vectors-cache"),
            help: "Folder for the cached embeddings (default ~/.cache/ragtune/bench/<corpus folder>-minilm).")
    var vectorsCache: String?

    @Option(help: "HNSW neighbours per node (layer 0 keeps 2·M).")
    var m: Int = 16

    @Option(name: .customLong("ef-construction"))
    var efConstruction: Int = 200

    @Option(name: .customLong("ef-search"), help: "efSearch values, comma-separated.")
    var efSearch: String = "10,16,32,64,128,256"

    @Option(help: "Thread counts for searching, comma-separated.")
    var threads: String = "1,2"

    @Option(help: "Minimum seconds of timing per round (three rounds per point).")
    var seconds: Double = 1

    @Flag(help: "Print one JSON object on stdout.")
    var json = false

    func validate() throws {
        guard (2...1024).contains(m) else { throw ValidationError("--m must be in 2...1024") }
        guard efConstruction >= 1 else { throw ValidationError("--ef-construction must be at least 1") }
        guard !efValues.isEmpty else { throw ValidationError("--ef-search: give values like 16,64") }
        _ = try benchThreadCounts(threads)
        guard seconds > 0 else { throw ValidationError("--seconds must be positive") }
    }

    var efValues: [Int] { efSearch.split(separator: ",").compactMap { Int($0) }.filter { $0 >= 1 } }
    /// The `--threads` list (checked by `validate`).
    var threadCounts: [Int] { (try? benchThreadCounts(threads)) ?? [] }

    func run() throws {
        let k = 10, seed: UInt64 = 42
        let machine = machineReport()
        let cache = try cachedVectors()
        let docs = cache.documents, queryVectors = cache.queries
        let dimension = docs.first?.count ?? 0
        guard dimension > 0, !queryVectors.isEmpty else { throw ValidationError("no documents or no queries") }
        if !json { logError("CPU: \(machine["cpu"]!), SIMD \(machine["simd"]!), OpenBLAS core \(BLAS.coreName)") }

        // Build: three rounds per thread count, median. One thread inserts one node at a time
        // (hnswlib's order); more threads insert in batches (`add(contentsOf:threads:)`).
        var index: HNSWIndex?, batched: HNSWIndex?
        var build: [String: Any] = [:]
        for t in threadCounts {
            let rounds = try (0..<3).map { _ in
                try Self.time {
                    var fresh = try HNSWIndex(dimension: dimension, m: m, efConstruction: efConstruction, seed: seed)
                    if t == 1 { try fresh.add(contentsOf: docs) } else { try fresh.add(contentsOf: docs, threads: t) }
                    if t == 1 { index = fresh } else { batched = fresh }
                }
            }.sorted()
            build["\(t)t_docs_per_s"] = Double(docs.count) / rounds[1]
            build["\(t)t_seconds_rounds"] = rounds
            if !json { logError(String(format: "build (%d thread(s)): %.0f docs/s", t, Double(docs.count) / rounds[1])) }
        }
        if index == nil {
            var fresh = try HNSWIndex(dimension: dimension, m: m, efConstruction: efConstruction, seed: seed)
            try fresh.add(contentsOf: docs)
            index = fresh
        }
        let hnsw = index!

        var exactIndex = ExactVectorIndex(dimension: dimension)
        try exactIndex.add(contentsOf: docs)
        let truth = try exactIndex.search(queryVectors, k: k, threads: 1)
        var exact: [String: Any] = [:]
        var points: [[String: Any]] = []
        for t in threadCounts {
            exact["\(t)t_queries_per_s"] = try queriesPerSecond(queryVectors.count) {
                _ = try exactIndex.search(queryVectors, k: k, threads: t)
            }
            for ef in efValues {
                let hits = try hnsw.search(queryVectors, k: k, efSearch: ef, threads: t)
                let rounds = try roundsPerSecond(queryVectors.count) {
                    _ = try hnsw.search(queryVectors, k: k, efSearch: ef, threads: t)
                }
                let point: [String: Any] = ["threads": t, "ef_search": ef, "recall@10": Self.recall(hits, truth),
                                            "queries_per_s": rounds.wall[1], "queries_per_s_rounds": rounds.wall,
                                            "queries_per_cpu_s": rounds.cpu[1]]
                points.append(point)
                if !json {
                    print(String(format: "threads %d efSearch %3d: recall@10 %.4f, %.0f queries/s (%.0f per CPU second)",
                                 t, ef, point["recall@10"] as! Double, rounds.wall[1], rounds.cpu[1]))
                }
            }
        }
        if let batched {
            // The batched graph is searched like the sequential one; its recall shows it is as good.
            let hits = try batched.search(queryVectors, k: k, efSearch: 64, threads: 2)
            build["batched_recall@10_ef64"] = Self.recall(hits, truth)
        }
        let report: [String: Any] = [
            "benchmark": "hnsw", "documents": docs.count, "queries": queryVectors.count, "dimension": dimension,
            "k": k, "m": m, "ef_construction": efConstruction, "seed": Int(seed),
            "vectors_cache": cache.folder.path, "machine": machine, "build": build, "exact": exact, "search": points]
        if json {
            print(JSONText.object(report))
        } else {
            for t in threadCounts {
                print(String(format: "%d docs × %d-d, M %d, efConstruction %d: build %.0f docs/s (%d thread(s))",
                             docs.count, dimension, m, efConstruction, build["\(t)t_docs_per_s"] as! Double, t))
            }
            if let r = build["batched_recall@10_ef64"] as? Double {
                print(String(format: "batched (multi-thread) build: recall@10 %.4f at efSearch 64", r))
            }
            for t in threadCounts {
                print(String(format: "exact (SGEMM) threads %d: %.0f queries/s", t, exact["\(t)t_queries_per_s"] as! Double))
            }
        }
    }

    /// Median of three rounds of `body` (which handles `perCall` queries) repeated ≥ `seconds`.
    private func queriesPerSecond(_ perCall: Int, _ body: () throws -> Void) throws -> Double {
        try roundsPerSecond(perCall, body).wall[1]
    }

    /// Three rounds of queries per wall-clock second and per CPU second of the process (all
    /// threads), each sorted. On a shared machine the CPU-time rate is the steadier one.
    private func roundsPerSecond(_ perCall: Int, _ body: () throws -> Void) throws -> (wall: [Double], cpu: [Double]) {
        try body()
        var wall: [Double] = [], cpu: [Double] = []
        for _ in 0..<3 {
            let start = DispatchTime.now().uptimeNanoseconds, cpuStart = Self.processCPUSeconds()
            var runs = 0, elapsed = 0.0
            repeat {
                try body()
                runs += 1
                elapsed = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            } while elapsed < seconds
            wall.append(Double(runs * perCall) / elapsed)
            cpu.append(Double(runs * perCall) / max(1e-9, Self.processCPUSeconds() - cpuStart))
        }
        return (wall.sorted(), cpu.sorted())
    }

    /// User + system CPU time of this process, all threads.
    private static func processCPUSeconds() -> Double {
        var t = timespec()
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t)
        return Double(t.tv_sec) + Double(t.tv_nsec) / 1e9
    }

    private static func time(_ body: () throws -> Void) throws -> Double {
        let start = DispatchTime.now().uptimeNanoseconds
        try body()
        return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    }

    /// Mean over queries of |approximate ∩ exact| / |exact|.
    static func recall(_ approximate: [[ScoredDocument]], _ exact: [[ScoredDocument]]) -> Double {
        var found = 0, total = 0
        for (a, e) in zip(approximate, exact) {
            let truth = Set(e.map(\.index))
            found += a.filter { truth.contains($0.index) }.count
            total += truth.count
        }
        return total == 0 ? 1 : Double(found) / Double(total)
    }
}

/// MiniLM vectors of a corpus and its queries, cached on disk so that the Swift and Python
/// benchmarks search the very same vectors.
struct CachedVectors {
    let folder: URL
    /// `[documents][dimension]`, L2-normalized.
    let documents: [[Float]]
    /// `[queries][dimension]`, L2-normalized.
    let queries: [[Float]]
}

extension HNSWBench {
    static let model = "all-MiniLM-L6-v2"

    /// Loads the cache when its meta.json matches the corpus and queries files, else embeds and writes it.
    func cachedVectors() throws -> CachedVectors {
        let corpusURL = URL(fileURLWithPath: corpus), queriesURL = URL(fileURLWithPath: queries)
        let folder = vectorsCache.map { URL(fileURLWithPath: $0, isDirectory: true) }
            ?? FileManager.default.homeDirectoryForCurrentUser
            .appendingPathComponent(".cache/ragtune/bench", isDirectory: true)
            .appendingPathComponent(corpusURL.deletingLastPathComponent().lastPathComponent + "-minilm", isDirectory: true)
        let sources: [String: Any] = ["model": Self.model, "corpus": try Self.fileStamp(corpusURL),
                                      "queries_file": try Self.fileStamp(queriesURL)]
        let metaURL = folder.appendingPathComponent("meta.json")
        if let data = try? Data(contentsOf: metaURL),
           let meta = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
           NSDictionary(dictionary: meta["sources"] as? [String: Any] ?? [:]).isEqual(to: sources),
           let dimension = meta["dimension"] as? Int, let n = meta["documents"] as? Int, let nq = meta["queries"] as? Int,
           let docs = Self.readMatrix(folder.appendingPathComponent("docs.f32"), rows: n, columns: dimension),
           let qs = Self.readMatrix(folder.appendingPathComponent("queries.f32"), rows: nq, columns: dimension) {
            if !json { logError("vectors: \(n) documents, \(nq) queries from \(folder.path)") }
            return CachedVectors(folder: folder, documents: docs, queries: qs)
        }
        let corpusDocuments = try BEIRCorpus(contentsOf: corpusURL).documents
        let queryTexts = try BEIRQueries(contentsOf: queriesURL).queries.map(\.text)
        let embedder = try MiniLMEmbedder(batchSize: 32, threads: 2)
        var docs: [[Float]] = []
        let texts = corpusDocuments.map { $0.title + " " + $0.text }
        let start = DispatchTime.now().uptimeNanoseconds
        for chunk in stride(from: 0, to: texts.count, by: 512) {
            docs += try embedder.embed(Array(texts[chunk..<min(chunk + 512, texts.count)]))
            let elapsed = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            logError(String(format: "embedded %d/%d documents (%.0f s)", docs.count, texts.count, elapsed))
        }
        let qs = try embedder.embed(queryTexts)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try Self.writeMatrix(docs, to: folder.appendingPathComponent("docs.f32"))
        try Self.writeMatrix(qs, to: folder.appendingPathComponent("queries.f32"))
        let meta: [String: Any] = ["sources": sources, "dimension": embedder.dimension, "documents": docs.count,
                                   "queries": qs.count, "dtype": "float32, little-endian, row-major",
                                   "document_text": "title + \" \" + text (BEIR)"]
        try Data(JSONText.object(meta).utf8).write(to: metaURL, options: .atomic)
        logError("vectors cached in \(folder.path)")
        return CachedVectors(folder: folder, documents: docs, queries: qs)
    }

    /// Path, size and modification time of a file, the cache's validity key.
    static func fileStamp(_ url: URL) throws -> [String: Any] {
        let attributes = try FileManager.default.attributesOfItem(atPath: url.path)
        let size = (attributes[.size] as? NSNumber)?.int64Value ?? -1
        let modified = (attributes[.modificationDate] as? Date)?.timeIntervalSince1970 ?? 0
        return ["path": url.standardizedFileURL.path, "size": size, "mtime": Int64(modified)]
    }

    /// `rows × columns` float32 values, or nil when the file is missing or has another size.
    static func readMatrix(_ url: URL, rows: Int, columns: Int) -> [[Float]]? {
        guard let data = try? Data(contentsOf: url), data.count == rows * columns * 4 else { return nil }
        let flat = data.withUnsafeBytes { raw in
            (0..<rows * columns).map { Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: 4 * $0, as: UInt32.self))) }
        }
        return (0..<rows).map { Array(flat[$0 * columns ..< ($0 + 1) * columns]) }
    }

    static func writeMatrix(_ rows: [[Float]], to url: URL) throws {
        var data = Data(capacity: rows.count * (rows.first?.count ?? 0) * 4)
        for row in rows {
            for v in row { withUnsafeBytes(of: v.bitPattern.littleEndian) { data.append(contentsOf: $0) } }
        }
        try data.write(to: url, options: .atomic)
    }
}
