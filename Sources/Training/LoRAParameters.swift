import RagTuneModels
import RagTuneTensor

/// Where each adapter matrix sits in one flat Float32 vector (llm.c keeps all parameters in one
/// block too, so the optimizer and gradient clipping see a single vector). Order: layer by
/// layer, target by target as configured, A `[r, in]` then B `[out, r]`.
public struct LoRALayout: Sendable, Equatable {
    /// The two matrices of an adapter.
    public enum Matrix: Sendable { case a, b }

    public let rank: Int
    public let layerCount: Int
    public let targets: [LlamaProjection]
    /// `[layer][target index]`: offset of A; B follows A.
    private let offsets: [[Int]]
    private let shapes: [MatrixShape]
    /// Total number of parameters.
    public let count: Int

    /// Output and input features of a target matrix W `[out, in]`.
    public struct MatrixShape: Sendable, Equatable {
        public let rows: Int
        public let columns: Int
    }

    public init(config: LlamaConfig, rank: Int, targets: [LlamaProjection]) {
        self.rank = rank
        layerCount = config.layerCount
        self.targets = targets
        shapes = targets.map { let s = $0.shape(config); return MatrixShape(rows: s.rows, columns: s.columns) }
        var next = 0
        var offsets: [[Int]] = []
        for _ in 0..<config.layerCount {
            offsets.append(shapes.map { shape in
                defer { next += rank * (shape.columns + shape.rows) }
                return next
            })
        }
        self.offsets = offsets
        count = next
    }

    /// The shape of the frozen matrix `target` adapts, or nil when it has no adapter.
    public func shape(of target: LlamaProjection) -> MatrixShape? {
        targets.firstIndex(of: target).map { shapes[$0] }
    }

    /// Indices of A `[r, in]` or B `[out, r]` of `target` in `layer`, or nil when it has no adapter.
    public func range(layer: Int, target: LlamaProjection, _ matrix: Matrix) -> Range<Int>? {
        guard let t = targets.firstIndex(of: target) else { return nil }
        let start = offsets[layer][t], aCount = rank * shapes[t].columns
        return matrix == .a ? start..<(start + aCount) : (start + aCount)..<(start + aCount + rank * shapes[t].rows)
    }
}

/// All adapter weights of a model as one flat vector laid out by `layout`.
public struct LoRAParameters: Sendable, Equatable {
    public let layout: LoRALayout
    public var values: [Float]

    /// All zeros (the layout of gradients).
    public init(zerosWith layout: LoRALayout) {
        self.layout = layout
        values = [Float](repeating: 0, count: layout.count)
    }

    /// PEFT's initialization: A from `kaiming_uniform_(a: √5)`, i.e. U(−1/√in, 1/√in), drawn
    /// with SplitMix64 from `seed`; B zero, so the adapted model starts equal to the base.
    public init(peftInitializedWith layout: LoRALayout, seed: UInt64) {
        self.init(zerosWith: layout)
        var rng = SplitMix64(seed: seed)
        for layer in 0..<layout.layerCount {
            for target in layout.targets {
                let range = layout.range(layer: layer, target: target, .a)!
                let bound = 1 / Float(layout.shape(of: target)!.columns).squareRoot()
                for i in range { values[i] = rng.float(-bound, bound) }
            }
        }
    }

    /// A copy of matrix `matrix` of the adapter on `target` in `layer` (row-major), or nil.
    public func weights(layer: Int, target: LlamaProjection, _ matrix: LoRALayout.Matrix) -> [Float]? {
        layout.range(layer: layer, target: target, matrix).map { Array(values[$0]) }
    }
}
