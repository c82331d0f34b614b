import RagTuneTensor

/// One running sequence of a `LlamaModel`: the KV cache (Float32, preallocated and grown in
/// blocks) and scratch buffers. Mutable state with one owner; not `Sendable`.
///
/// `evaluate` appends tokens to the sequence. Under `.int8` (the default, `DecodePrecision`) the
/// products run on int8 activations and the weights repacked at load: one token as a
/// matrix-vector product, up to `int8BatchRowLimit(_:)` tokens as a batched product that unpacks each
/// weight block once per four tokens. Under `.exact`, up to four tokens run Float32 matrix-vector
/// products straight from the mapped blocks. Longer prompts, under either precision, dequantize
/// each layer's weights once into a scratch buffer and multiply them with SGEMM in Float32.
public final class LlamaSession {
    public let model: LlamaModel
    /// Worker threads for matrix products and attention.
    public let threads: Int
    /// Persistent workers for the decode path's many small parallel regions.
    let pool: WorkerPool
    /// Largest number of positions this session will hold.
    public let maxContext: Int
    /// The session's own sequence (`evaluate(_:allLogits:)`); `makeSequence()` makes more for batches.
    /// `continueLongestPrefix(of:)` may exchange it for a kept one.
    public internal(set) var sequence: LlamaSequence
    /// Other prompts' caches kept for `continueLongestPrefix(of:)`, least recently used first.
    var keptSequences: [LlamaSequence] = []
    /// How many prompts `continueLongestPrefix(of:)` keeps besides the own sequence (0: none).
    public var keptPrompts = 2
    /// Tokens in the own sequence's cache, position 0 first.
    public var tokens: [Int] { sequence.tokens }
    /// How the products with the quantized weights are computed (`DecodePrecision`). It may change
    /// between `evaluate` calls: the cache holds Float32 K/V either way.
    public var precision: DecodePrecision
    /// The instruction set of the int8 products.
    public let int8Kernel: Int8Kernel
    /// LoRA adapters applied unmerged on top of the base weights (`setAdapter`); nil: the base model.
    public internal(set) var adapter: LoRAAdapter?

    /// When set, each operation of the forward pass adds its wall time here.
    public var profile: DecodeProfile?

    let rope: RotaryEmbedding
    var scratch = LlamaScratch()
    /// The product lists of `linear`, kept while the scratch buffers stay where they are.
    var layerProducts = LayerProducts()
    /// The int8 path's quantized input vector, reused across products.
    let activations = Int8Activations()
    /// A batched forward pass's ids and attention segments, kept with their capacity.
    var batchIds: [Int] = []
    var batchSegments: [AttentionSegment] = []

    /// - Parameters:
    ///   - maxContext: positions to allow (default: the model's trained context length).
    ///   - threads: worker threads (the machines have 2 cores).
    ///   - precision: `.int8` (llama.cpp's integer products, the default) or `.exact` (Float32).
    ///   - int8Kernel: the int8 products' instruction set (default: the best this CPU runs).
    public init(model: LlamaModel, maxContext: Int? = nil, threads: Int = 2, precision: DecodePrecision = .int8,
                int8Kernel: Int8Kernel = .selected) {
        precondition(int8Kernel.isSupported, "this CPU cannot run \(int8Kernel.rawValue)")
        self.model = model
        self.precision = precision
        self.int8Kernel = int8Kernel
        self.threads = max(1, threads)
        pool = WorkerPool(threads: self.threads)
        let config = model.config
        self.maxContext = min(maxContext ?? config.contextLength, config.contextLength)
        rope = RotaryEmbedding(dimensions: config.ropeDimensions, base: config.ropeBase, pairing: .adjacent)
        sequence = LlamaSequence(config: config)
    }

    deinit {
        scratch.free()
    }

    /// Forgets the own sequence (the cache memory is kept for reuse) and the kept prompts.
    public func reset() {
        sequence.reset()
        keptSequences.removeAll()
    }

    /// Drops the own sequence's cached positions from `count` on (e.g. to branch from a shared prompt prefix).
    public func truncate(to count: Int) {
        sequence.truncate(to: count)
    }

    /// A new, empty sequence of this session's model, for `evaluate(batch:)`.
    public func makeSequence() -> LlamaSequence {
        LlamaSequence(config: model.config)
    }

    /// Runs `ids` through the model after the cached tokens and appends them to the sequence.
    /// - Parameter allLogits: return logits for every new position instead of only the last.
    /// - Returns: `[positions][vocabularySize]` raw logits (one row unless `allLogits`).
    public func evaluate(_ ids: [Int], allLogits: Bool = false) throws -> [[Float]] {
        try check(ids, for: sequence)
        BLAS.useSingleThread()
        let hidden = forward([(sequence, ids)])
        let rows = allLogits ? 0..<ids.count : (ids.count - 1)..<ids.count
        return rows.map { logits(hiddenRow: hidden, row: $0) }
    }

    /// One decode step: runs `id` after the cached tokens, appends it to the sequence, and writes
    /// the logits after it into `logits` (made `vocabularySize` long on first use; keep no other
    /// reference to it, or the write copies it). Once the session's buffers have room for one row,
    /// a step allocates nothing (`DecodeAllocationTests`). Same values as `evaluate([id])`.
    public func evaluateNext(_ id: Int, into logits: inout [Float]) throws {
        try validate(id)
        try makeRoom(for: 1, in: sequence)
        BLAS.useSingleThread()
        let hidden = forward(next: id)
        if logits.count != model.config.vocabularySize { logits = [Float](repeating: 0, count: model.config.vocabularySize) }
        logits.withUnsafeMutableBufferPointer { headLogits(hidden, row: 0, into: $0.baseAddress!) }
    }

    /// Runs several sequences' new ids in one forward pass and appends them to their sequences:
    /// the matrix products see every sequence's rows at once (so a step of 16 decoding sequences
    /// reads each weight once, not 16 times), and each sequence attends only to its own cache.
    /// The sequences must be distinct and must come from this session's model (`makeSequence()`);
    /// the session's adapter applies to all of them.
    /// - Returns: for each sequence, the logits (`[vocabularySize]`) after its last new id.
    /// - Throws: `ModelError.invalidInput` naming the first sequence whose ids are bad or do not
    ///   fit the context; then nothing has run.
    public func evaluate(batch: [(sequence: LlamaSequence, ids: [Int])]) throws -> [[Float]] {
        guard !batch.isEmpty else { return [] }
        let hidden = try checkedForward(batch)
        var last = 0
        let rows = batch.map { last += $0.ids.count; return last - 1 }
        return logits(hiddenRows: hidden, rows: rows)
    }

    /// `evaluate(batch:)` writing the logits into `logits`: row i (`vocabularySize` floats from
    /// `i · vocabularySize`) is sequence i's. The buffer keeps its capacity from step to step (keep no
    /// other reference to it), so a step of sequences that each run one id allocates nothing once
    /// the session's buffers have room for the batch (`DecodeAllocationTests`): the server's
    /// batched decoding runs on it.
    /// - Throws: as `evaluate(batch:)`; then `logits` is unchanged.
    public func evaluate(batch: [(sequence: LlamaSequence, ids: [Int])], into logits: inout [Float]) throws {
        let vocabulary = model.config.vocabularySize
        guard !batch.isEmpty else { return logits.removeAll(keepingCapacity: true) }
        let hidden = try checkedForward(batch)
        if logits.count != batch.count * vocabulary {
            logits.removeAll(keepingCapacity: true)
            logits.append(contentsOf: repeatElement(0, count: batch.count * vocabulary))
        }
        logits.withUnsafeMutableBufferPointer { out in
            // Sequence i's last new row: the rows of sequences 0...i, less one.
            headLogits(hidden, count: batch.count, row: { i in batch[...i].reduce(-1) { $0 + $1.ids.count } }, into: out.baseAddress!)
        }
    }

    /// `evaluate(batch:)`, returning the logits after every new id (several continuations of one
    /// prompt scored in one pass, each in a sequence holding a copy of the prompt's cache).
    /// - Returns: for each sequence, `[ids.count][vocabularySize]`.
    public func evaluateEveryRow(batch: [(sequence: LlamaSequence, ids: [Int])]) throws -> [[[Float]]] {
        guard !batch.isEmpty else { return [] }
        let hidden = try checkedForward(batch)
        var rows = logits(hiddenRows: hidden, rows: Array(0..<batch.reduce(0) { $0 + $1.ids.count }))[...]
        return batch.map { _, ids in
            defer { rows = rows.dropFirst(ids.count) }
            return Array(rows.prefix(ids.count))
        }
    }

    /// Checks every sequence of `batch` (nothing runs if one is bad), then runs the forward pass.
    private func checkedForward(_ batch: [(sequence: LlamaSequence, ids: [Int])]) throws -> UnsafeMutablePointer<Float> {
        for (i, (sequence, ids)) in batch.enumerated() {
            do { try check(ids, for: sequence) } catch ModelError.invalidInput(let message) {
                throw ModelError.invalidInput("sequence \(i) of the batch: \(message)")
            }
        }
        for i in batch.indices {   // pairwise: a batch is a few sequences, and a set would be allocated
            precondition(!batch[..<i].contains { $0.sequence === batch[i].sequence }, "a sequence appears twice in the batch")
        }
        BLAS.useSingleThread()
        return forward(batch)
    }

    /// Checks `ids` are some tokens, each in the vocabulary.
    /// - Throws: `ModelError.invalidInput` naming the id at fault.
    func validate(_ ids: [Int]) throws {
        guard !ids.isEmpty else { throw ModelError.invalidInput("no tokens to evaluate") }
        for id in ids { try validate(id) }
    }

    /// Checks `id` is in the vocabulary. - Throws: `ModelError.invalidInput` naming it.
    func validate(_ id: Int) throws {
        guard id >= 0 && id < model.config.vocabularySize else {
            throw ModelError.invalidInput("token id \(id) is outside the vocabulary 0..<\(model.config.vocabularySize)")
        }
    }

    /// Checks `ids` can follow `sequence`'s cached tokens and makes room for them.
    private func check(_ ids: [Int], for sequence: LlamaSequence) throws {
        try validate(ids)
        try makeRoom(for: ids.count, in: sequence)
    }

    /// Checks `count` more tokens fit `sequence`'s context and makes room for them: the cache grows
    /// in blocks of 256 positions and the token list with it, so a decode step mostly grows neither.
    private func makeRoom(for count: Int, in sequence: LlamaSequence) throws {
        let needed = sequence.tokens.count + count
        guard needed <= maxContext else {
            throw ModelError.invalidInput(
                "context full: \(sequence.tokens.count) cached + \(count) new tokens exceed the context of \(maxContext)")
        }
        sequence.cache.reserve(positions: needed)
        if sequence.tokens.capacity < needed { sequence.tokens.reserveCapacity(sequence.cache.capacity) }
    }

    /// The logits of several rows of the residual stream at once (one product with the output
    /// head for all of them). - Returns: `[rows.count][vocab]`
    func logits(hiddenRows hidden: UnsafePointer<Float>, rows: [Int]) -> [[Float]] {
        if rows.count == 1 { return [logits(hiddenRow: hidden, row: rows[0])] }
        let vocabulary = model.config.vocabularySize, out = scratch.buffer("logitRows", rows.count * vocabulary)
        headLogits(hidden, count: rows.count, row: { rows[$0] }, into: out)
        return rows.indices.map { Array(UnsafeBufferPointer(start: out + $0 * vocabulary, count: vocabulary)) }
    }

    /// Final RMSNorm of `count` rows of the residual stream (the i-th is row `row(i)`), then one
    /// product of the output head for all of them, into `out` (`[count, vocab]`).
    private func headLogits(_ hidden: UnsafePointer<Float>, count: Int, row: (Int) -> Int, into out: UnsafeMutablePointer<Float>) {
        if count == 1 { return headLogits(hidden, row: row(0), into: out) }
        let d = model.config.embeddingSize, normed = scratch.buffer("normedRows", count * d)
        timed(.outputNorm) {
            model.outputNorm.withUnsafeBufferPointer { g in
                for i in 0..<count {
                    Kernels.rmsNorm(hidden + row(i) * d, gamma: g.baseAddress!, eps: model.config.rmsEpsilon,
                                    into: normed + i * d, count: d)
                }
            }
        }
        let head = layerProducts.head(for: model, out: out)
        timed(.outputHead) { linear(head, normed, rows: count) }
    }

    /// Final RMSNorm of one row of the residual stream, then the output head. - Returns: `[vocab]`
    func logits(hiddenRow hidden: UnsafePointer<Float>, row: Int) -> [Float] {
        let vocabulary = model.config.vocabularySize
        return [Float](unsafeUninitializedCapacity: vocabulary) { logits, count in
            headLogits(hidden, row: row, into: logits.baseAddress!)
            count = vocabulary
        }
    }

    /// Final RMSNorm of one row of the residual stream, then the output head, into `out` (`vocab`
    /// floats). Writing into the same `out` as the last call builds no product list.
    func headLogits(_ hidden: UnsafePointer<Float>, row: Int, into out: UnsafeMutablePointer<Float>) {
        let d = model.config.embeddingSize
        let normed = scratch.buffer("normed", d)
        timed(.outputNorm) {
            model.outputNorm.withUnsafeBufferPointer { g in
                Kernels.rmsNorm(hidden + row * d, gamma: g.baseAddress!, eps: model.config.rmsEpsilon, into: normed, count: d)
            }
        }
        let head = layerProducts.head(for: model, out: out)
        timed(.outputHead) { multiply(head, normed) }
    }
}

extension LlamaSession {
    /// out = W · x for each (W, out) reading the same `x`, in one region of the worker pool: on
    /// int8 activations and the repacked weights under `.int8` (when every matrix has them),
    /// else in Float32.
    func multiply(_ products: QuantizedMatrix.Products, _ x: UnsafeMutablePointer<Float>) {
        if runsInt8(products) {
            activations.quantize(x, count: products[0].matrix.columns)
            QuantizedMatrix.multiply(products, activations, pool: pool, kernel: int8Kernel)
        } else {
            QuantizedMatrix.multiply(products, x, pool: pool)
        }
    }

    /// Whether `products` run on int8 activations: under `.int8`, when every matrix was repacked.
    func runsInt8(_ products: QuantizedMatrix.Products) -> Bool {
        precision == .int8 && products.allSatisfy { $0.matrix.int8 != nil }
    }
}

/// How the decoder multiplies activations (a decoded token's or a prompt's) with the quantized weights.
public enum DecodePrecision: String, Sendable, CaseIterable {
    /// Activations quantized to int8 per block of 32 and integer dot products on weights repacked
    /// at load, as llama.cpp computes, except that a block's outlier is multiplied exactly
    /// (`Int8Activations`): mean |Δlogit| from exact math 0.09 on the fixtures, llama.cpp's 0.16.
    case int8
    /// Float32 activations against the stored blocks expanded in registers: the exact path the
    /// reference tests check.
    case exact
}

/// Growable scratch buffers of the forward pass.
struct LlamaScratch {
    private var buffers: [String: (pointer: UnsafeMutablePointer<Float>, capacity: Int)] = [:]

    /// A buffer of at least `count` floats under `name` (contents undefined).
    mutating func buffer(_ name: String, _ count: Int) -> UnsafeMutablePointer<Float> {
        if let existing = buffers[name], existing.capacity >= count { return existing.pointer }
        buffers[name]?.pointer.deallocate()
        let pointer = UnsafeMutablePointer<Float>.allocate(capacity: max(1, count))
        buffers[name] = (pointer, max(1, count))
        return pointer
    }

    func free() {
        for (_, b) in buffers { b.pointer.deallocate() }
    }
}
