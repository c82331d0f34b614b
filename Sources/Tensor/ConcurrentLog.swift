import Foundation

/// Values appended from several threads and read afterwards: log lines handed to a `@Sendable`
/// logger, latencies of client threads, ids seen by workers.
public final class ConcurrentLog<Element: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var items: [Element] = []

    public init() {}

    /// Adds `item` (usable as a `@Sendable` closure: `log: lines.append`).
    @Sendable public func append(_ item: Element) { lock.withLock { items.append(item) } }

    /// Everything appended so far, in order.
    public var values: [Element] { lock.withLock { items } }

    public func removeAll() { lock.withLock { items.removeAll() } }
}
