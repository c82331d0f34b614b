import RagTuneTensor

extension LlamaSession {
    /// On the exact path, prompts up to this many tokens use the quantized matrix-vector path row
    /// by row; longer ones dequantize each weight matrix once and use SGEMM.
    static let matvecRowLimit = 4

    /// On the int8 path, 2 up to this many tokens (short prompts, chat turns after a cached
    /// context, a batch of sequences; scores run exact, see `TextGenerator.exactly`) run the
    /// batched int8 products of `kernel`; longer prompts dequantize + SGEMM, which is faster there.
    /// - AVX2, 64: measured on an AVX2-only AMD EPYC (`bench decode --precision int8`, 1 and 2
    ///   threads), the batched products prefill 33 tokens at 1.35–1.45× dequantize + SGEMM, tie
    ///   at 91, and lose by 12% at 203.
    /// - AVX-512 VNNI (one instruction per four-byte dot product), 512: on an AMD EPYC with VNNI
    ///   (three alternating runs each, 2026-12-07), the 203-token prompt prefilled at 368–437 vs
    ///   344–366 tok/s at 1 thread and 686–801 vs 518–702 at 2; at 812 tokens 371–387 vs 337–373
    ///   and 586–728 vs 638–703, a tie.
    public static func int8BatchRowLimit(_ kernel: Int8Kernel) -> Int {
        kernel == .avx512VNNI ? 512 : 64
    }

    /// Prompt queries attend in blocks of this many rows, each over the positions its last query sees.
    static let attentionBlockRows = 32

    /// The residual stream after the last layer for each sequence's new ids (rows in batch order),
    /// writing their K/V into each sequence's cache and appending the ids to its tokens.
    /// - Returns: `[total new ids, d]`, in the session's scratch: valid until the next forward pass.
    func forward(_ batch: [(sequence: LlamaSequence, ids: [Int])]) -> UnsafeMutablePointer<Float> {
        // Into arrays the session keeps, so a batched step allocates none once they have room.
        batchIds.removeAll(keepingCapacity: true)
        batchSegments.removeAll(keepingCapacity: true)
        for (sequence, ids) in batch {
            batchSegments.append(AttentionSegment(cache: sequence.cache, start: sequence.tokens.count, rows: ids.count,
                                                  firstRow: batchIds.count))
            batchIds.append(contentsOf: ids)
        }
        let hidden = batchIds.withUnsafeBufferPointer { ids in batchSegments.withUnsafeBufferPointer { forward(ids: ids, segments: $0) } }
        for (sequence, ids) in batch { sequence.tokens += ids }
        return hidden
    }

    /// One new id of the session's own sequence (a decode step), with no array made for it.
    /// - Returns: `[1, d]`, in the session's scratch: valid until the next forward pass.
    func forward(next id: Int) -> UnsafeMutablePointer<Float> {
        let segment = AttentionSegment(cache: sequence.cache, start: sequence.tokens.count, rows: 1, firstRow: 0)
        let hidden = withUnsafeTemporaryAllocation(of: Int.self, capacity: 1) { ids in
            ids[0] = id
            return withUnsafeTemporaryAllocation(of: AttentionSegment.self, capacity: 1) { segments in
                segments.initializeElement(at: 0, to: segment)
                defer { segments.deinitialize() }
                return forward(ids: UnsafeBufferPointer(ids), segments: UnsafeBufferPointer(segments))
            }
        }
        sequence.tokens.append(id)
        return hidden
    }

    /// The forward pass itself: `ids` are every segment's new ids, in segment order. Allocates
    /// nothing once the scratch buffers and the product lists are sized for `ids.count` rows.
    private func forward(ids: UnsafeBufferPointer<Int>, segments: UnsafeBufferPointer<AttentionSegment>) -> UnsafeMutablePointer<Float> {
        let config = model.config
        let t = ids.count
        let d = config.embeddingSize, kv = config.kvSize, ff = config.feedForwardSize, hs = config.headSize
        let x = scratch.buffer("x", t * d), xn = scratch.buffer("xn", t * d)
        let q = scratch.buffer("q", t * d), k = scratch.buffer("k", t * kv), v = scratch.buffer("v", t * kv)
        let attended = scratch.buffer("attended", t * d), sublayer = scratch.buffer("sublayer", t * d)
        let gate = scratch.buffer("gate", t * ff), up = scratch.buffer("up", t * ff)
        let products = layerProducts.lists(for: model, q: q, k: k, v: v, sublayer: sublayer, gate: gate, up: up)

        let angles = scratch.buffer("rope", t * rope.dimensions)
        timed(.embedding) {
            for (i, id) in ids.enumerated() { model.tokenEmbedding.dequantize(rows: id..<(id + 1), into: x + i * d) }
        }
        timed(.rope) {
            for segment in segments {
                for i in 0..<segment.rows {
                    rope.angles(position: segment.start + i, into: angles + (segment.firstRow + i) * rope.dimensions)
                }
            }
        }
        for (l, layer) in model.layers.enumerated() {
            // attention block: x += Wo · attention(rope(Wq·n), rope(Wk·n), Wv·n), n = RMSNorm(x)
            timed(.attentionNorm) { normalize(x, rows: t, gamma: layer.attentionNorm, into: xn) }
            timed(.qkv) { linear(products[l].qkv, xn, rows: t) }
            if let adapter {
                timed(.adapter) { applyAdapter(adapter, layer: l, [(.query, q), (.key, k), (.value, v)], xn, rows: t) }
            }
            timed(.rope) {
                for i in 0..<t {
                    let position = angles + i * rope.dimensions
                    rope.apply(q + i * d, heads: config.headCount, headSize: hs, angles: position)
                    rope.apply(k + i * kv, heads: config.kvHeadCount, headSize: hs, angles: position)
                }
                for segment in segments {
                    segment.cache.store(layer: l, keys: k + segment.firstRow * kv, values: v + segment.firstRow * kv,
                                        at: segment.start, count: segment.rows)
                }
            }
            timed(.attention) { attend(layer: l, queries: q, segments: segments, into: attended) }
            timed(.attentionOutput) { linear(products[l].attentionOutput, attended, rows: t) }
            if let adapter { timed(.adapter) { applyAdapter(adapter, layer: l, [(.output, sublayer)], attended, rows: t) } }
            timed(.residual) { Kernels.add(sublayer, into: x, count: t * d) }
            // MLP block: x += Wdown · (silu(Wgate·n) ⊙ Wup·n), n = RMSNorm(x)
            timed(.feedForwardNorm) { normalize(x, rows: t, gamma: layer.feedForwardNorm, into: xn) }
            timed(.gateUp) { linear(products[l].gateUp, xn, rows: t) }
            if let adapter { timed(.adapter) { applyAdapter(adapter, layer: l, [(.gate, gate), (.up, up)], xn, rows: t) } }
            timed(.swiglu) {
                pool.forRanges(count: t * ff, minimumPerThread: 16_384) { r in
                    Kernels.swiglu(gate + r.lowerBound, up + r.lowerBound, count: r.count)
                }
            }
            timed(.down) { linear(products[l].down, gate, rows: t) }
            if let adapter { timed(.adapter) { applyAdapter(adapter, layer: l, [(.down, sublayer)], gate, rows: t) } }
            timed(.residual) { Kernels.add(sublayer, into: x, count: t * d) }
        }
        return x
    }

    /// `body`, timed as `operation` when the session has a profile.
    @inline(__always)
    func timed<R>(_ operation: DecodeProfile.Operation, _ body: () -> R) -> R {
        guard let profile else { return body() }
        return profile.time(operation, body)
    }

    /// RMSNorm of each of `rows` rows of width d.
    private func normalize(_ x: UnsafeMutablePointer<Float>, rows: Int, gamma: [Float],
                           into out: UnsafeMutablePointer<Float>) {
        let d = model.config.embeddingSize, eps = model.config.rmsEpsilon
        gamma.withUnsafeBufferPointer { g in
            for r in 0..<rows { Kernels.rmsNorm(x + r * d, gamma: g.baseAddress!, eps: eps, into: out + r * d, count: d) }
        }
    }

    /// out[rows, W.rows] = input[rows, W.columns] · Wᵀ for each (W, out) that reads `input`.
    func linear(_ products: QuantizedMatrix.Products, _ input: UnsafeMutablePointer<Float>, rows: Int) {
        let columns = products[0].matrix.columns
        if rows > 1, rows <= Self.int8BatchRowLimit(int8Kernel), runsInt8(products) {
            activations.quantize(input, columns: columns, vectors: rows, pool: pool)
            QuantizedMatrix.multiply(products, batch: activations, pool: pool, kernel: int8Kernel)
            return
        }
        if rows == 1 { return multiply(products, input) }
        if rows <= Self.matvecRowLimit { return QuantizedMatrix.multiply(products, input, vectors: rows, pool: pool) }
        // Each worker dequantizes its own rows of W and multiplies them at once (single-threaded
        // OpenBLAS), in the session's pool: the rows are still in cache, and no Dispatch thread has
        // to share a core with a pool worker that is still spinning.
        for (w, out) in products {
            pool.run(DequantizedProductJob(matrix: w, input: input, rows: rows, output: out,
                                           weights: scratch.buffer("weights", w.rows * w.columns), workers: pool.threadCount))
        }
    }

    /// One matrix's product with `rows` input rows by dequantize + SGEMM, each worker taking its
    /// share of the matrix's rows (a long prompt's products, or an exact-path batch of more than
    /// `matvecRowLimit` sequences); a job, so it allocates nothing.
    private struct DequantizedProductJob: WorkerJob {
        let matrix: QuantizedMatrix, input: UnsafeMutablePointer<Float>, rows: Int
        let output: UnsafeMutablePointer<Float>, weights: UnsafeMutablePointer<Float>, workers: Int

        func run(worker: Int) {
            let share = WorkerPool.share(of: matrix.rows, worker: worker, workers: workers)
            guard !share.isEmpty else { return }
            let slice = weights + share.lowerBound * matrix.columns
            matrix.dequantize(rows: share, into: slice)
            BLAS.sgemm(transposeB: true, m: rows, n: share.count, k: matrix.columns, a: input, lda: matrix.columns,
                       b: slice, ldb: matrix.columns, c: output + share.lowerBound, ldc: matrix.rows)
        }
    }

    /// One sequence's rows in a forward pass: its cache, the position of its first new row, and
    /// where its rows sit in the batch.
    struct AttentionSegment {
        let cache: LlamaKVCache
        let start: Int
        let rows: Int
        let firstRow: Int
    }

    /// Causal grouped-query attention of each segment's new queries (positions start..<start+rows)
    /// over every position of its own cache up to each query's own. Query head h reads KV head
    /// h / (H / KV). Each worker takes a contiguous run of query heads in every segment, so the two
    /// workers of a 2-thread pool mostly read different KV heads.
    private func attend(layer l: Int, queries q: UnsafeMutablePointer<Float>, segments: UnsafeBufferPointer<AttentionSegment>,
                        into out: UnsafeMutablePointer<Float>) {
        let config = model.config
        let d = config.embeddingSize, hs = config.headSize, heads = config.headCount
        let group = heads / config.kvHeadCount
        let scale = 1 / Float(hs).squareRoot()
        let workers = min(pool.threadCount, heads)
        // Room for the positions rounded up to the cache's blocks of 256, so a decode step does not
        // grow the buffer by one position each time.
        let scoresPerWorker = segments.reduce(0) { max($0, min($1.rows, Self.attentionBlockRows) * (($1.start + $1.rows + 255) / 256 * 256)) }
        let scores = scratch.buffer("scores", workers * scoresPerWorker)
        pool.run(AttentionJob(layer: l, queries: q, segments: segments, output: out, scores: scores,
                              scoresPerWorker: scoresPerWorker, workers: workers, embeddingSize: d, headSize: hs,
                              heads: heads, group: group, scale: scale))
    }

    /// One layer's attention as a `WorkerJob` (every decoded token runs it, so it allocates nothing):
    /// worker w takes query heads heads·w/workers ..< heads·(w+1)/workers of every segment.
    private struct AttentionJob: WorkerJob {
        let layer: Int, queries: UnsafeMutablePointer<Float>, segments: UnsafeBufferPointer<AttentionSegment>
        let output: UnsafeMutablePointer<Float>, scores: UnsafeMutablePointer<Float>, scoresPerWorker: Int, workers: Int
        let embeddingSize: Int, headSize: Int, heads: Int, group: Int, scale: Float

        func run(worker: Int) {
            guard worker < workers else { return }
            let l = layer, d = embeddingSize, hs = headSize
            let s = scores + worker * scoresPerWorker
            for segment in segments {
                let (rows, start) = (segment.rows, segment.start)
                let q = queries + segment.firstRow * d, out = output + segment.firstRow * d
                for h in WorkerPool.share(of: heads, worker: worker, workers: workers) {
                    let keys = segment.cache.keys(layer: l, head: h / group), values = segment.cache.values(layer: l, head: h / group)
                    if rows == 1 {
                        // one query: scores = K_h · q / √d over the cached keys, then out = V_hᵀ · softmax
                        Kernels.attend(query: q + h * hs, keys: keys, values: values, stride: hs,
                                       positions: start + 1, headSize: hs, scale: scale, scores: s, into: out + h * hs)
                    } else {
                        // Per block of queries: S[block, seen] = Q_h · K_hᵀ over the positions the block's
                        // last query sees, causal mask, softmax, out_h = S · V_h. Blocks skip most of the
                        // masked upper triangle (a 203-token prompt computes 58% of the full square's products).
                        for first in stride(from: 0, to: rows, by: LlamaSession.attentionBlockRows) {
                            let count = min(LlamaSession.attentionBlockRows, rows - first), seen = start + first + count
                            BLAS.sgemm(transposeB: true, m: count, n: seen, k: hs, alpha: scale,
                                       a: q + first * d + h * hs, lda: d, b: keys, ldb: hs, c: s, ldc: seen)
                            for i in 0..<count {
                                let row = s + i * seen, visibleToQuery = start + first + i + 1
                                (row + visibleToQuery).update(repeating: 0, count: seen - visibleToQuery)
                                Kernels.softmax(row, count: visibleToQuery)
                            }
                            BLAS.sgemm(m: count, n: hs, k: seen, a: s, lda: seen, b: values, ldb: hs,
                                       c: out + first * d + h * hs, ldc: d)
                        }
                    }
                }
            }
        }
    }
}
