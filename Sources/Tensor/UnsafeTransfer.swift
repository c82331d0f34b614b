/// Carries a non-`Sendable` value (a closure or raw pointer) into `DispatchQueue.concurrentPerform`.
/// This is the Tensor module's only `@unchecked Sendable`. It is safe because every use joins all
/// workers before returning, and callers hand each worker disjoint memory to write.
struct UnsafeTransfer<Value>: @unchecked Sendable {
    let value: Value
}
