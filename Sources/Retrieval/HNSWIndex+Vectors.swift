/// The vectors of an `HNSWIndex` and the inner-product kernels its searches run.
///
/// Rows are `stride` floats (the dimension rounded up to 16, zero padded) and 64-byte aligned, so
/// that every `SIMD16<Float>` load is one cache line and the kernels need no tail loop. hnswlib keeps
/// each vector after its links (unaligned); aligned rows make each distance cheaper.
///
/// `@unchecked Sendable`: a class only so that it can own aligned memory. `HNSWIndex` gives it
/// value semantics: it writes to an instance only through `append`, after `isKnownUniquelyReferenced`
/// (copying a shared instance first), so an instance that other indexes or threads can see is never
/// written. (The module's other `@unchecked Sendable` is `DocumentLoader+PDF`'s `DataBox`.)
final class HNSWVectorRows: @unchecked Sendable {
    /// Floats per row: the dimension rounded up to a multiple of 16.
    let stride: Int
    /// Length of the vectors (≤ `stride`; the rest of each row is zeros).
    let dimension: Int
    private(set) var count = 0
    private var capacity: Int
    /// `[capacity, stride]`, 64-byte aligned; the first `count` rows are initialized.
    private var base: UnsafeMutablePointer<Float>

    init(dimension: Int, capacity: Int = 0) {
        self.dimension = dimension
        stride = (dimension + 15) / 16 * 16
        self.capacity = max(16, capacity)
        base = Self.allocate(rows: self.capacity, stride: stride)
    }

    deinit { base.deallocate() }

    private static func allocate(rows: Int, stride: Int) -> UnsafeMutablePointer<Float> {
        UnsafeMutableRawPointer.allocate(byteCount: rows * stride * 4, alignment: 64)
            .bindMemory(to: Float.self, capacity: rows * stride)
    }

    /// A copy with room for at least `capacity` rows.
    func copy(capacity: Int? = nil) -> HNSWVectorRows {
        let copy = HNSWVectorRows(dimension: dimension, capacity: max(count, capacity ?? self.capacity))
        copy.base.update(from: base, count: count * stride)
        copy.count = count
        return copy
    }

    /// Makes room for `additional` more rows without reallocating later.
    func reserve(_ additional: Int) {
        guard count + additional > capacity else { return }
        let bigger = Self.allocate(rows: count + additional, stride: stride)
        bigger.update(from: base, count: count * stride)
        base.deallocate()
        base = bigger
        capacity = count + additional
    }

    /// Appends one vector of `dimension` values, zero padded to `stride`.
    func append(_ vector: UnsafeBufferPointer<Float>) {
        if count == capacity { reserve(capacity) }
        let row = base + count * stride
        row.update(from: vector.baseAddress!, count: dimension)
        (row + dimension).update(repeating: 0, count: stride - dimension)
        count += 1
    }

    /// Row `i` (`stride` floats); valid while `self` is alive and not appended to.
    @inline(__always)
    func row(_ i: Int) -> UnsafePointer<Float> { UnsafePointer(base + i * stride) }

    /// The first `dimension` values of row `i`.
    func vector(_ i: Int) -> [Float] { Array(UnsafeBufferPointer(start: base + i * stride, count: dimension)) }
}

/// Inner products over `stride` floats (a multiple of 16), for the HNSW search loop. `dot` and each
/// lane of `dot4` run the same operations in the same order, so a distance does not depend on
/// which kernel computed it.
enum HNSWKernels {
    typealias V = SIMD16<Float>

    @inline(__always)
    static func load(_ p: UnsafePointer<Float>) -> V { UnsafeRawPointer(p).loadUnaligned(as: V.self) }

    /// a · b over `stride` floats.
    @inline(__always)
    static func dot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, stride: Int) -> Float {
        var s = V()
        var i = 0
        while i < stride {
            s.addProduct(load(a + i), load(b + i))
            i += 16
        }
        return s.sum()
    }

    /// q · b0 … q · b3 over `stride` floats: one pass over `q` and four independent memory streams,
    /// which the out-of-order core overlaps (hnswlib prefetches instead; Swift has no prefetch).
    @inline(__always)
    static func dot4(_ q: UnsafePointer<Float>, _ b0: UnsafePointer<Float>, _ b1: UnsafePointer<Float>,
                     _ b2: UnsafePointer<Float>, _ b3: UnsafePointer<Float>, stride: Int) -> SIMD4<Float> {
        var s0 = V(), s1 = V(), s2 = V(), s3 = V()
        var i = 0
        while i < stride {
            let x = load(q + i)
            s0.addProduct(x, load(b0 + i))
            s1.addProduct(x, load(b1 + i))
            s2.addProduct(x, load(b2 + i))
            s3.addProduct(x, load(b3 + i))
            i += 16
        }
        return SIMD4(s0.sum(), s1.sum(), s2.sum(), s3.sum())
    }
}
