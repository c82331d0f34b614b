import Foundation
import RagTuneModels

/// The served models behind one worker thread: loads them as the worker's first job (the server
/// listens meanwhile; `/ready` says when they are up), then runs completions in its decode batch
/// and every other model call as a job.
final class ModelHost: Sendable {
    private let worker: ModelWorker<ServedBatch>
    private let state = LockedState()

    enum Status: Sendable {
        case loading
        case ready(ModelCatalogView)
        case failed(String)
    }

    /// Starts loading with `load` on the worker thread.
    init(queue: Int, load: @escaping @Sendable () throws -> ServedModels) {
        let worker = ModelWorker<ServedBatch>(capacity: max(queue, 1))
        self.worker = worker
        let state = self.state
        _ = worker.submit {
            do {
                let models = try load()
                worker.attach(ServedBatch(models: models))
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

    /// Work waiting for the worker, whether it is busy, and the generations decoding together.
    var load: (waiting: Int, running: Bool, batched: Int) { worker.load }
    /// The most generations that have decoded together in one step since the host started.
    var widestBatch: Int { worker.widestBatch }

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
    /// - Parameter usesDecoder: false for work on the embedder and stores only, which runs
    ///   between decode steps; true (RAG answers) waits for the running generations to finish.
    /// - Throws: `APIError.busy` when the line is full; `APIError.unavailable` before the models are up.
    func submit(usesDecoder: Bool = true, _ body: @escaping @Sendable (ServedModels) -> Void) throws {
        _ = try catalog()
        let state = self.state
        guard worker.submit(usesDecoder: usesDecoder, { body(state.models!.value) }) else { throw APIError.busy }
    }

    /// Queues a generation for the decode batch without waiting for it.
    /// - Throws: `APIError.busy` when the line is full; `APIError.unavailable` before the models are up.
    func submit(_ request: GenerationRequest) throws {
        _ = try catalog()
        guard worker.submit(generation: request) else { throw APIError.busy }
    }

    /// Runs `generation` in the decode batch and returns its outcome; cancelling the calling task
    /// ends the generation at its next token.
    func generate(_ generation: Generation) async throws -> GenerationOutcome {
        let cancel = CancellationFlag()
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<GenerationOutcome, any Error>) in
                do {
                    try submit(GenerationRequest(generation: generation, cancel: cancel, onText: { _ in },
                                                 onFinish: { continuation.resume(with: $0) }))
                } catch {
                    continuation.resume(throwing: error)
                }
            }
        } onCancel: {
            cancel.cancel()
        }
    }

    /// Runs `body` on the worker thread and returns its result. `cancel` is set when the calling
    /// task is cancelled; a job whose flag is set before it starts is skipped.
    /// - Parameter usesDecoder: as in `submit(usesDecoder:_:)`.
    func run<T: Sendable>(usesDecoder: Bool = true, cancel: CancellationFlag = CancellationFlag(),
                          _ body: @escaping @Sendable (ServedModels) throws -> T) async throws -> T {
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
                do {
                    try submit(usesDecoder: usesDecoder) { models in
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
