/// A fixed-size, zero-initialized Float32 buffer with one owner: activations, gradients and
/// scratch of the explicit forward/backward pass. The pointer is valid while the buffer lives.
final class FloatBuffer {
    let count: Int
    let pointer: UnsafeMutablePointer<Float>

    init(_ count: Int) {
        self.count = count
        pointer = .allocate(capacity: max(1, count))
        pointer.initialize(repeating: 0, count: max(1, count))
    }

    deinit { pointer.deallocate() }

    /// Sets every element to 0.
    func zero() { pointer.update(repeating: 0, count: count) }

    /// A copy of the contents.
    var array: [Float] { Array(UnsafeBufferPointer(start: pointer, count: count)) }
}

/// Named scratch buffers, grown on demand and reused across calls (contents undefined).
struct ScratchBuffers {
    private var buffers: [String: FloatBuffer] = [:]

    /// A buffer of at least `count` floats under `name`.
    mutating func callAsFunction(_ name: String, _ count: Int) -> UnsafeMutablePointer<Float> {
        if let existing = buffers[name], existing.count >= count { return existing.pointer }
        let buffer = FloatBuffer(count)
        buffers[name] = buffer
        return buffer.pointer
    }
}
