/// Carries a non-`Sendable` value (a closure or raw pointer) into `DispatchQueue.concurrentPerform`.
/// Its `@unchecked Sendable` is safe because every use joins all workers before returning, and
/// callers hand each worker disjoint memory to write. (`WorkerPool` and its state are the module's
/// other `@unchecked Sendable`s; their comment says why.)
struct UnsafeTransfer<Value>: @unchecked Sendable {
    let value: Value
}
