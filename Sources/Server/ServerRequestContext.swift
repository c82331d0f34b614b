import Hummingbird

/// A request's context: Hummingbird's core context, plus who is calling once `APIKeyMiddleware`
/// has checked the key.
struct ServerRequestContext: RequestContext {
    var coreContext: CoreRequestContextStorage
    /// The caller's key, tenant and ACL groups; nil on a server without a data folder (no keys: open).
    var caller: Caller?

    init(source: Source) {
        coreContext = .init(source: source)
    }
}

/// Who a request comes from: the key's id (never its secret), tenant and ACL groups.
struct Caller: Sendable, Equatable {
    var keyId: String
    var tenant: String
    var groups: [String]
}
