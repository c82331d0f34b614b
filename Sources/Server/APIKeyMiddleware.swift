import Foundation
import Hummingbird
import RagTuneStorage

/// Checks `Authorization: Bearer <key>` on every `/v1/` route against the data folder's keys
/// (`ragtune keys`), applies the key's rate limit and puts the caller (tenant, groups) into the
/// context. `/health`, `/ready`, `/metrics` and `/openapi.json` stay open. Keys are read at each request, so a revoked key is
/// refused from the next request on.
struct APIKeyMiddleware: RouterMiddleware {
    typealias Context = ServerRequestContext
    let keys: any APIKeyRegistry
    let limiter: RateLimiter

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard request.uri.path.hasPrefix("/v1/") else { return try await next(request, context) }
        guard let header = request.headers[.authorization], header.lowercased().hasPrefix("bearer ") else {
            throw APIError.unauthorized("No API key given; send it as 'Authorization: Bearer <key>' (made by `ragtune keys create`)")
        }
        let token = header.dropFirst("bearer ".count).trimmingCharacters(in: .whitespaces)
        guard let key = try keys.authenticate(token) else {
            throw APIError.unauthorized("The API key is not valid (unknown, malformed or revoked)")
        }
        if let wait = limiter.take(key.id) {
            throw APIError.rateLimited(retryAfter: wait)
        }
        var context = context
        context.caller = Caller(keyId: key.id, tenant: key.tenant, groups: key.groups)
        context.logger[metadataKey: "tenant"] = "\(key.tenant)"
        context.logger[metadataKey: "key"] = "\(key.id)"
        return try await next(request, context)
    }
}

/// Requests per minute per key, as a token bucket that refills continuously (bursts up to the
/// per-minute allowance). 0 turns it off.
final class RateLimiter: @unchecked Sendable {
    let perMinute: Int
    private let lock = NSLock()
    private var buckets: [String: (tokens: Double, at: Date)] = [:]

    init(perMinute: Int) {
        self.perMinute = perMinute
    }

    /// Takes one request's token for `key`. - Returns: nil when allowed, else the seconds until
    /// the next token (for `Retry-After`).
    func take(_ key: String, now: Date = Date()) -> Int? {
        guard perMinute > 0 else { return nil }
        lock.lock()
        defer { lock.unlock() }
        let capacity = Double(perMinute), rate = capacity / 60
        var bucket = buckets[key] ?? (capacity, now)
        bucket.tokens = min(capacity, bucket.tokens + now.timeIntervalSince(bucket.at) * rate)
        bucket.at = now
        guard bucket.tokens >= 1 else {
            buckets[key] = bucket
            return max(1, Int(((1 - bucket.tokens) / rate).rounded(.up)))
        }
        bucket.tokens -= 1
        buckets[key] = bucket
        return nil
    }
}
