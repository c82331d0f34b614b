import Foundation
import Hummingbird
import Logging
import RagTuneModels
import RagTunePostgres
import RagTuneRAG
import RagTuneStorage

/// `ragtune serve`: an OpenAI-compatible HTTP server over RagTune's models. The models load on
/// the worker thread while the server already listens (`/ready` says when they are up); every
/// model call takes its turn on that thread (`ModelWorker`).
public struct RagTuneServer: Sendable {
    public let configuration: ServerConfiguration
    let host: ModelHost
    /// The keys of the data folder or database (nil without `store`: the server is open).
    let keys: (any APIKeyRegistry)?
    /// The tenants' collections (nil without `store`).
    let collections: (any CollectionCatalog)?
    let metrics = ServerMetrics()
    /// Background uploads' state (in the database too when `store` is one).
    let jobs: IngestJobs

    /// Opens the keys and collections of `store` (a data folder or a `postgres://` database, made
    /// when missing) and starts loading the models named by `configuration` from `directory`.
    /// - Throws: `ServerConfigurationError` for a setting out of range or a store that cannot be opened.
    public init(configuration: ServerConfiguration, directory: ModelDirectory = ModelDirectory()) throws {
        try configuration.validate()
        self.configuration = configuration
        do {
            keys = try configuration.store.map { try APIKeys.open($0, create: true) }
            collections = try configuration.store.map { try collectionCatalog(store: $0) }
            jobs = IngestJobs(shared: try configuration.store.flatMap {
                PostgresLocation.isPostgresURL($0) ? try PostgresJobTable(location: PostgresLocation(url: $0)) : nil
            })
        } catch {
            throw ServerConfigurationError.invalid("store: \(error)")
        }
        host = ModelHost(queue: configuration.queue) {
            try ServedModels(configuration: configuration, directory: directory)
        }
    }

    /// The routes, in OpenAI's error shape, behind the key check when there is a data folder.
    func router() -> Router<ServerRequestContext> {
        let router = Router(context: ServerRequestContext.self)
        router.add(middleware: MetricsMiddleware(metrics: metrics))
        router.add(middleware: OpenAIErrorMiddleware(maxRequestBytes: configuration.maxRequestBytes))
        if let keys {
            router.add(middleware: APIKeyMiddleware(keys: keys, limiter: RateLimiter(perMinute: configuration.requestsPerMinute)))
        }
        ModelRoutes(host: host, configuration: configuration, collections: collections).add(to: router)
        CompletionRoutes(host: host, configuration: configuration, collections: collections, metrics: metrics).add(to: router)
        if let collections {
            CollectionRoutes(host: host, configuration: configuration, collections: collections, jobs: jobs).add(to: router)
        }
        let host = self.host, metrics = self.metrics, openAPI = OpenAPIDocument.json(configuration)
        router.get("/openapi.json") { _, _ in
            Response(status: .ok, headers: [.contentType: "application/json"], body: ResponseBody(byteBuffer: ByteBuffer(bytes: openAPI)))
        }
        router.get("/metrics") { _, _ in
            Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4"],
                     body: ResponseBody(byteBuffer: ByteBuffer(string: metrics.exposition(queue: host.load))))
        }
        return router
    }

    /// The HTTP application on `configuration`'s host and port. `onServerRunning` gets the bound port.
    public func application(logger: Logger,
                            onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }) -> some ApplicationProtocol {
        Application(router: router(),
                    configuration: .init(address: .hostname(configuration.host, port: configuration.port),
                                         serverName: "ragtune"),
                    onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? 0) },
                    logger: logger)
    }

    /// Serves until SIGTERM or SIGINT, then finishes the requests in flight and returns.
    /// - Parameter onListening: gets the address once the port is bound (with port 0, the one chosen).
    public func run(logger: Logger, onListening: @escaping @Sendable (String) async -> Void = { _ in }) async throws {
        let hostName = configuration.host
        let app = application(logger: logger) { port in
            await onListening("http://\(hostName.contains(":") ? "[\(hostName)]" : hostName):\(port)")
        }
        defer { host.shutdown() }
        try await app.runService()
    }

    /// Waits until the models have loaded (or failed), polling every 50 ms.
    /// - Throws: `ServerConfigurationError` with the loader's message when they failed.
    public func waitUntilReady() async throws {
        while true {
            switch host.status {
            case .ready: return
            case .failed(let message): throw ServerConfigurationError.invalid(message)
            case .loading: try await Task.sleep(nanoseconds: 50_000_000)
            }
        }
    }

    /// Ends the model worker once its queued jobs have run (tests; `run` does it itself).
    public func shutdown() {
        host.shutdown()
    }
}
