import Foundation

/// Uploads that ingest in the background (`202 Accepted` with a job id): their state, kept in
/// memory for `GET /v1/jobs/{id}`. A job belongs to its tenant; another tenant asking for it gets
/// 404, as for a job that never was. Jobs are forgotten when the server stops; the documents a job
/// committed stay in the store (each document commits on its own), and re-sending the upload
/// finishes the rest (unchanged documents are skipped by content hash).
final class IngestJobs: @unchecked Sendable {
    struct Job: Encodable, Sendable {
        var id: String
        var object = "ingest.job"
        var collection: String
        var status: String
        var documents: Int
        var result: UploadSummary?
        var error: String?
        var createdAt: Int
        var finishedAt: Int?
        /// Not shown: whose job it is.
        var tenant: String

        enum CodingKeys: String, CodingKey {
            case id, object, collection, status, documents, result, error, createdAt = "created_at", finishedAt = "finished_at"
        }
    }

    private let lock = NSLock()
    private var jobs: [String: Job] = [:]

    /// Registers a queued job. - Returns: its id.
    func add(tenant: String, collection: String, documents: Int) -> Job {
        let job = Job(id: "job-" + CompletionRoutes.randomId(), collection: collection, status: "queued", documents: documents,
                      createdAt: Int(Date().timeIntervalSince1970), tenant: tenant)
        lock.lock()
        jobs[job.id] = job
        lock.unlock()
        return job
    }

    func update(_ id: String, _ change: (inout Job) -> Void) {
        lock.lock()
        defer { lock.unlock() }
        if var job = jobs[id] {
            change(&job)
            jobs[id] = job
        }
    }

    /// The job `id` if it belongs to `tenant`.
    func job(_ id: String, tenant: String) -> Job? {
        lock.lock()
        defer { lock.unlock() }
        return jobs[id].flatMap { $0.tenant == tenant ? $0 : nil }
    }
}
