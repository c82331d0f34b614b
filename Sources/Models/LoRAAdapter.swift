import RagTuneTensor

/// LoRA adapters applied at inference without merging them into the base weights (llama.cpp's
/// `llm_build_lora_mm`, PEFT's unmerged `lora.Linear`): each adapted matrix W `[out, in]` computes
/// y = W·x + scale·B·(A·x). Everything is in GGUF row order (the q/k rows of GGUF Llama files are
/// permuted for adjacent-pair RoPE), the space RagTune trains in and llama.cpp's adapters use.
///
/// An immutable value: `LlamaSession.setAdapter` swaps it without reloading the base model.
public struct LoRAAdapter: Sendable, Equatable {
    /// One adapted matrix: A, B and the factor of B·A.
    public struct Weights: Sendable, Equatable {
        /// r: rows of A and columns of B.
        public let rank: Int
        /// Input features of the adapted matrix (columns of A).
        public let inFeatures: Int
        /// Output features of the adapted matrix (rows of B).
        public let outFeatures: Int
        /// `[r, in]` row-major.
        public let a: [Float]
        /// `[out, r]` row-major.
        public let b: [Float]
        /// Factor of B·A: α/r for PEFT and llama.cpp adapters.
        public let scale: Float

        /// - Throws: `ModelError.invalidInput` when the counts do not match the shapes or the rank is < 1.
        public init(a: [Float], b: [Float], rank: Int, inFeatures: Int, outFeatures: Int, scale: Float) throws {
            guard rank >= 1, a.count == rank * inFeatures, b.count == outFeatures * rank else {
                throw ModelError.invalidInput("LoRA weights: A has \(a.count) values and B \(b.count); rank \(rank) "
                                              + "with in \(inFeatures), out \(outFeatures) needs \(rank * inFeatures) and \(outFeatures * rank)")
            }
            self.rank = rank
            self.inFeatures = inFeatures
            self.outFeatures = outFeatures
            self.a = a
            self.b = b
            self.scale = scale
        }

        /// ΔW = scale·B·A added into `w` (`[out, in]` row-major), as a merge does.
        public func addDelta(into w: UnsafeMutablePointer<Float>) {
            a.withUnsafeBufferPointer { a in
                b.withUnsafeBufferPointer { b in
                    BLAS.sgemm(m: outFeatures, n: inFeatures, k: rank, alpha: scale, a: b.baseAddress!, lda: rank,
                               b: a.baseAddress!, ldb: inFeatures, beta: 1, c: w, ldc: inFeatures)
                }
            }
        }

        /// y[rows, out] += scale · (x[rows, in] · Aᵀ) · Bᵀ, with `hidden` (`[rows, r]`) as scratch.
        func apply(_ x: UnsafePointer<Float>, rows: Int, into y: UnsafeMutablePointer<Float>,
                   hidden: UnsafeMutablePointer<Float>) {
            a.withUnsafeBufferPointer { a in
                b.withUnsafeBufferPointer { b in
                    BLAS.sgemm(transposeB: true, m: rows, n: rank, k: inFeatures, a: x, lda: inFeatures,
                               b: a.baseAddress!, ldb: inFeatures, c: hidden, ldc: rank)
                    BLAS.sgemm(transposeB: true, m: rows, n: outFeatures, k: rank, alpha: scale, a: hidden, lda: rank,
                               b: b.baseAddress!, ldb: rank, beta: 1, c: y, ldc: outFeatures)
                }
            }
        }
    }

    /// `[layer][projection]`: the adapted matrices of each layer (absent: not adapted).
    public let layers: [[LlamaProjection: Weights]]

    /// - Parameter layers: one dictionary per decoder layer.
    public init(layers: [[LlamaProjection: Weights]]) {
        self.layers = layers
    }

    /// The adapter of `projection` in layer `layer`, or nil.
    public func weights(layer: Int, _ projection: LlamaProjection) -> Weights? {
        layer < layers.count ? layers[layer][projection] : nil
    }

    /// Largest rank of any adapted matrix (0 when empty).
    public var maxRank: Int { layers.flatMap(\.values).map(\.rank).max() ?? 0 }

    /// Throws `ModelError.invalidInput` unless the adapter has one entry per layer of `config`
    /// and every matrix has the shape of the projection it adapts.
    /// Checks that the adapter fits `config` and that every weight is finite.
    /// - Throws: `ModelError.invalidInput` naming the layer and projection.
    public func validate(for config: LlamaConfig) throws {
        guard layers.count == config.layerCount else {
            throw ModelError.invalidInput("the LoRA adapter has \(layers.count) layers; the model has \(config.layerCount)")
        }
        for (l, layer) in layers.enumerated() {
            for (projection, w) in layer {
                let (rows, columns) = projection.shape(config)
                guard w.outFeatures == rows, w.inFeatures == columns else {
                    throw ModelError.invalidInput("LoRA adapter of layer \(l) \(projection.rawValue) is [\(w.outFeatures), "
                                                  + "\(w.inFeatures)]; the model's matrix is [\(rows), \(columns)]")
                }
                guard w.scale.isFinite, w.a.allSatisfy(\.isFinite), w.b.allSatisfy(\.isFinite) else {
                    throw ModelError.invalidInput("LoRA adapter of layer \(l) \(projection.rawValue) has non-finite weights "
                                                  + "(NaN or infinity): it would only produce garbage; refusing it")
                }
            }
        }
    }
}
