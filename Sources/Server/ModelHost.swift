import Foundation
import RagTuneModels

/// The served models behind one worker thread: loads them as the worker's first job (the server
/// listens meanwhile; `/ready` says when they are up), then runs every model call as a job.
final class ModelHost: Sendable {
    private let worker: ModelWorker
    private let state = LockedState()

    enum Status: Sendable {
        case loading
        case ready(ModelCatalogView)
        case failed(String)
    }

    /// Starts loading with `load` on the worker thread.
    init(queue: Int, load: @escaping @Sendable () throws -> ServedModels) {
        worker = ModelWorker(capacity: max(queue, 1))
        let state = self.state
        _ = worker.submit {
            do {
                let models = try load()
                state.set(models: models, catalog: ModelCatalogView(
                    generatorName: models.generatorName, embedderName: ModelCatalog.minilm.name,
                    embeddingDimension: models.embedder.dimension,
                    adapterNames: models.adapterNames, tenantAdapterNames: models.tenantAdapterNames,
                    tokenizer: models.generator.tokenizer,
                    template: models.generator.template, contextLength: models.generator.session.maxContext,
                    created: Int(Date().timeIntervalSince1970)))
            } catch {
                state.set(failure: "\(error)")
            }
        }
    }

    /// Loading, ready (with what is served) or failed (with the loader's error).
    var status: Status { state.status }

    /// Jobs waiting for the worker, and whether one is running.
    var load: (waiting: Int, running: Bool) { worker.load }

    /// What is served, once loaded.
    /// - Throws: `APIError.unavailable` while loading or after a failed load.
    func catalog() throws -> ModelCatalogView {
        switch status {
        case .ready(let catalog): return catalog
        case .loading: throw APIError.unavailable("The models are still loading; retry shortly (GET /ready says when)")
        case .failed(let message): throw APIError.unavailable("The models failed to load: \(message)")
        }
    }

    /// Queues `body` for the worker thread without waiting for it.
    /// - Throws: `APIError.busy` when the line is full; `APIError.unavailable` before the models are up.
    func submit(_ body: @escaping @Sendable (ServedModels) -> Void) throws {
        _ = try catalog()
        let state = self.state
        guard worker.submit({ body(state.models!.value) }) else { throw APIError.busy }
    }

    /// Runs `body` on the worker thread and returns its result. `cancel` is set when the calling
    /// task is cancelled; a job whose flag is set before it starts is skipped.
    func run<T: Sendable>(cancel: CancellationFlag = CancellationFlag(),
                          _ body: @escaping @Sendable (ServedModels) throws -> T) async throws -> T {
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
                do {
                    try submit { models in
                        if cancel.isCancelled {
                            continuation.resume(throwing: CancellationError())
                            return
                        }
                        continuation.resume(with: Result { try body(models) })
                    }
                } catch {
                    continuation.resume(throwing: error)
                }
            }
        } onCancel: {
            cancel.cancel()
        }
    }

    /// Finishes the queued jobs, then ends the worker thread.
    func shutdown() {
        worker.stop()
    }
}

/// The load status and the models, behind a lock (handlers read the status; the models are
/// touched only on the worker thread).
private final class LockedState: @unchecked Sendable {
    private let lock = NSLock()
    private var current: ModelHost.Status = .loading
    private(set) var models: UncheckedBox<ServedModels>?

    var status: ModelHost.Status {
        lock.lock()
        defer { lock.unlock() }
        return current
    }

    func set(models: ServedModels, catalog: ModelCatalogView) {
        lock.lock()
        self.models = UncheckedBox(models)
        current = .ready(catalog)
        lock.unlock()
    }

    func set(failure: String) {
        lock.lock()
        current = .failed(failure)
        lock.unlock()
    }
}

/// Carries a non-Sendable value to the worker thread, which alone uses it.
struct UncheckedBox<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}
