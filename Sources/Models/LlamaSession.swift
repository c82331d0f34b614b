import RagTuneTensor

/// One running sequence of a `LlamaModel`: the KV cache (Float32, preallocated and grown in
/// blocks) and scratch buffers. Mutable state with one owner; not `Sendable`.
///
/// `evaluate` appends tokens to the sequence. Under `.int8` (the default, `DecodePrecision`) the
/// products run on int8 activations and the weights repacked at load: one token as a
/// matrix-vector product, up to `int8BatchRowLimit` tokens as a batched product that unpacks each
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
    /// Tokens in the cache, position 0 first.
    public private(set) var tokens: [Int] = []
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
    var cache: LlamaKVCache
    var scratch = LlamaScratch()
    /// The int8 path's quantized input vector, reused across products.
    let activations = Int8Activations()

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
        cache = LlamaKVCache(layers: config.layerCount, heads: config.kvHeadCount, headSize: config.headSize)
    }

    deinit {
        cache.free()
        scratch.free()
    }

    /// Forgets the sequence (the cache memory is kept for reuse).
    public func reset() {
        tokens.removeAll(keepingCapacity: true)
    }

    /// Drops cached positions from `count` on (e.g. to branch from a shared prompt prefix).
    public func truncate(to count: Int) {
        if count < tokens.count { tokens.removeLast(tokens.count - count) }
    }

    /// Runs `ids` through the model after the cached tokens and appends them to the sequence.
    /// - Parameter allLogits: return logits for every new position instead of only the last.
    /// - Returns: `[positions][vocabularySize]` raw logits (one row unless `allLogits`).
    public func evaluate(_ ids: [Int], allLogits: Bool = false) throws -> [[Float]] {
        let config = model.config
        guard !ids.isEmpty else { throw ModelError.invalidInput("no tokens to evaluate") }
        if let bad = ids.first(where: { $0 < 0 || $0 >= config.vocabularySize }) {
            throw ModelError.invalidInput("token id \(bad) is outside the vocabulary 0..<\(config.vocabularySize)")
        }
        guard tokens.count + ids.count <= maxContext else {
            throw ModelError.invalidInput(
                "context full: \(tokens.count) cached + \(ids.count) new tokens exceed the context of \(maxContext)")
        }
        cache.reserve(positions: tokens.count + ids.count)
        BLAS.useSingleThread()
        let hidden = forward(ids)
        tokens += ids
        let rows = allLogits ? Array(0..<ids.count) : [ids.count - 1]
        return rows.map { logits(hiddenRow: hidden, row: $0) }
    }

    /// Final RMSNorm of one row of the residual stream, then the output head. - Returns: `[vocab]`
    func logits(hiddenRow hidden: [Float], row: Int) -> [Float] {
        let d = model.config.embeddingSize
        var normed = [Float](repeating: 0, count: d)
        timed(.outputNorm) {
            hidden.withUnsafeBufferPointer { h in
                model.outputNorm.withUnsafeBufferPointer { g in
                    Kernels.rmsNorm(h.baseAddress! + row * d, gamma: g.baseAddress!, eps: model.config.rmsEpsilon,
                                    into: &normed, count: d)
                }
            }
        }
        var out = [Float](repeating: 0, count: model.config.vocabularySize)
        timed(.outputHead) {
            normed.withUnsafeMutableBufferPointer { x in
                out.withUnsafeMutableBufferPointer { y in
                    multiply([(model.output, y.baseAddress!)], x.baseAddress!)
                }
            }
        }
        return out
    }
}

extension LlamaSession {
    /// out = W · x for each (W, out) reading the same `x`, in one region of the worker pool: on
    /// int8 activations and the repacked weights under `.int8` (when every matrix has them),
    /// else in Float32.
    func multiply(_ products: [(matrix: QuantizedMatrix, output: UnsafeMutablePointer<Float>)],
                  _ x: UnsafeMutablePointer<Float>) {
        if runsInt8(products) {
            activations.quantize(x, count: products[0].matrix.columns)
            QuantizedMatrix.multiply(products, activations, pool: pool, kernel: int8Kernel)
        } else {
            QuantizedMatrix.multiply(products, x, pool: pool)
        }
    }

    /// Whether `products` run on int8 activations: under `.int8`, when every matrix was repacked.
    func runsInt8(_ products: [(matrix: QuantizedMatrix, output: UnsafeMutablePointer<Float>)]) -> Bool {
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
