import Foundation
import RagTuneModels

/// A chat or text completion waiting for (then in) the decode batch, with where its text and
/// outcome go. The callbacks run on the worker thread.
struct GenerationRequest: Sendable {
    let generation: Generation
    let cancel: CancellationFlag
    let onText: @Sendable (String) -> Void
    /// Called once: the outcome (`finishReason` "cancelled" when the client went away), or the
    /// error that ended the generation.
    let onFinish: @Sendable (Result<GenerationOutcome, any Error>) -> Void
}

/// The server's decode batch: `BatchedGenerator` on the served decoder, taking requests for
/// one adapter at a time (a request for another adapter waits until the running ones finish).
final class ServedBatch: DecodeBatch {
    let models: ServedModels

    init(models: ServedModels) {
        self.models = models
    }

    var count: Int { models.batch.count }

    func admit(_ request: GenerationRequest) -> Bool {
        let batch = models.batch
        if batch.count > 0, !batch.hasRoom || request.generation.adapter != models.activeAdapter { return false }
        if request.cancel.isCancelled { // the client left while it waited
            request.onFinish(.failure(CancellationError()))
            return true
        }
        let generation = request.generation, onText = request.onText, onFinish = request.onFinish, cancel = request.cancel
        let firstText = FirstTextClock()
        do {
            try models.use(adapter: generation.adapter)
            try batch.add(promptIds: generation.promptIds, sampling: generation.sampling, stop: generation.stop,
                          isCancelled: { cancel.isCancelled },
                          onText: { text in
                              firstText.mark()
                              onText(text)
                          },
                          onFinish: { result in
                              onFinish(result.map { GenerationOutcome($0, received: generation.received, firstText: firstText.time) }
                                  .mapError { error in
                                      if case ModelError.invalidInput(let message) = error { return APIError.invalid(message) }
                                      return error
                                  })
                          })
        } catch ModelError.invalidInput(let message) {
            onFinish(.failure(APIError.invalid(message))) // a request the handler's checks let through is still the client's error
        } catch {
            onFinish(.failure(error))
        }
        return true
    }

    func step() {
        models.batch.step()
    }
}

/// When a generation's first text came (worker thread only).
private final class FirstTextClock: @unchecked Sendable {
    private(set) var time: Date?
    func mark() {
        if time == nil { time = Date() }
    }
}
