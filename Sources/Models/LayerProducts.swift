/// Each layer's (matrix, output) lists for `LlamaSession.linear`, and the output head's, kept while
/// the scratch buffers they write stay where they are: a decode step builds no arrays for them.
struct LayerProducts {
    /// One layer's products, each list reading one input.
    struct Layer {
        var qkv: QuantizedMatrix.Products
        var attentionOutput: QuantizedMatrix.Products
        var gateUp: QuantizedMatrix.Products
        var down: QuantizedMatrix.Products
    }

    private var layers: [Layer] = []
    private var layerOutputs: (UnsafeMutablePointer<Float>, UnsafeMutablePointer<Float>, UnsafeMutablePointer<Float>,
                               UnsafeMutablePointer<Float>, UnsafeMutablePointer<Float>, UnsafeMutablePointer<Float>)?
    private var head: QuantizedMatrix.Products = []

    /// The lists of every layer of `model` writing q, k, v (attention input), `sublayer`
    /// (attention output, down projection), `gate` and `up`; rebuilt only when a buffer moved.
    mutating func lists(for model: LlamaModel, q: UnsafeMutablePointer<Float>, k: UnsafeMutablePointer<Float>,
                        v: UnsafeMutablePointer<Float>, sublayer: UnsafeMutablePointer<Float>,
                        gate: UnsafeMutablePointer<Float>, up: UnsafeMutablePointer<Float>) -> [Layer] {
        if let outputs = layerOutputs, outputs == (q, k, v, sublayer, gate, up) { return layers }
        layers = model.layers.map { layer in
            Layer(qkv: [(layer.query, q), (layer.key, k), (layer.value, v)], attentionOutput: [(layer.attentionOutput, sublayer)],
                  gateUp: [(layer.gate, gate), (layer.up, up)], down: [(layer.down, sublayer)])
        }
        layerOutputs = (q, k, v, sublayer, gate, up)
        return layers
    }

    /// The output head's list writing `out`; rebuilt only when `out` is another buffer than last time.
    mutating func head(for model: LlamaModel, out: UnsafeMutablePointer<Float>) -> QuantizedMatrix.Products {
        if head.first?.output != out { head = [(model.output, out)] }
        return head
    }
}
