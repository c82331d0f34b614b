import RagTuneTensor

extension LlamaSession {
    /// Applies `adapter` (nil: none) to every following `evaluate`, without touching the base
    /// weights. The cached positions were computed with the previous adapter, so the session is
    /// reset.
    /// - Throws: `ModelError.invalidInput` when the adapter does not fit the model's shapes.
    public func setAdapter(_ adapter: LoRAAdapter?) throws {
        try adapter?.validate(for: model.config)
        self.adapter = adapter
        reset()
    }

    /// outputs[p] (`[rows, out]`) += scale·B·(A·x) for each adapted projection p of layer `l`
    /// reading `input` (`[rows, in]`); after the base product, in the decode and prefill paths alike.
    func applyAdapter(_ adapter: LoRAAdapter, layer l: Int,
                      _ outputs: [(projection: LlamaProjection, output: UnsafeMutablePointer<Float>)],
                      _ input: UnsafeMutablePointer<Float>, rows: Int) {
        for (projection, output) in outputs {
            guard let weights = adapter.weights(layer: l, projection) else { continue }
            let hidden = scratch.buffer("loraHidden", rows * weights.rank)
            weights.apply(input, rows: rows, into: output, hidden: hidden)
        }
    }
}
