/// A dense row-major Float32 tensor. Storage is a copy-on-write `[Float]`; the last
/// dimension is contiguous. Shapes are written outermost first, e.g. `[rows, cols]`.
public struct Tensor: Sendable, Equatable {
    /// Dimensions, outermost first (`[rows, cols]` for a matrix).
    public private(set) var shape: [Int]
    /// Elements in row-major order; `count == shape.reduce(1, *)`.
    public var storage: [Float]

    /// A tensor of zeros with the given shape.
    public init(zeros shape: [Int]) {
        precondition(shape.allSatisfy { $0 >= 0 }, "negative dimension in \(shape)")
        self.shape = shape
        self.storage = [Float](repeating: 0, count: shape.reduce(1, *))
    }

    /// Wraps existing values; `values.count` must equal the product of `shape`.
    public init(shape: [Int], values: [Float]) {
        precondition(shape.reduce(1, *) == values.count,
                     "shape \(shape) needs \(shape.reduce(1, *)) values, got \(values.count)")
        self.shape = shape
        self.storage = values
    }

    /// Number of elements.
    public var count: Int { storage.count }
    /// Number of dimensions.
    public var rank: Int { shape.count }
    /// Rows of a matrix view: all dimensions but the last, multiplied.
    public var rows: Int { shape.count <= 1 ? 1 : shape.dropLast().reduce(1, *) }
    /// Length of the contiguous last dimension.
    public var columns: Int { shape.last ?? 1 }

    /// The same elements under a new shape with the same element count.
    public func reshaped(_ newShape: [Int]) -> Tensor {
        Tensor(shape: newShape, values: storage)
    }

    /// Element access by a full multi-index (slow path; kernels use pointers).
    public subscript(_ index: Int...) -> Float {
        get { storage[offset(index)] }
        set { storage[offset(index)] = newValue }
    }

    /// One row (last-dimension slice) of the matrix view, copied.
    public func row(_ r: Int) -> [Float] {
        let c = columns
        return Array(storage[(r * c)..<((r + 1) * c)])
    }

    /// Read access to the elements as a contiguous buffer.
    public func withUnsafeBufferPointer<R>(_ body: (UnsafeBufferPointer<Float>) throws -> R) rethrows -> R {
        try storage.withUnsafeBufferPointer(body)
    }

    /// Write access to the elements as a contiguous buffer.
    public mutating func withUnsafeMutableBufferPointer<R>(
        _ body: (inout UnsafeMutableBufferPointer<Float>) throws -> R
    ) rethrows -> R {
        try storage.withUnsafeMutableBufferPointer(body)
    }

    private func offset(_ index: [Int]) -> Int {
        precondition(index.count == shape.count, "index rank \(index.count) != tensor rank \(shape.count)")
        var flat = 0
        for (i, dim) in zip(index, shape) {
            precondition(i >= 0 && i < dim, "index \(index) out of bounds for shape \(shape)")
            flat = flat * dim + i
        }
        return flat
    }
}
