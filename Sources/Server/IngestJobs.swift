import Foundation
import RagTunePostgres

/// Uploads that ingest in the background (`202 Accepted` with a job id): their state for
/// `GET /v1/jobs/{id}`. A job belongs to its tenant; another tenant asking for it gets 404, as for
/// a job that never was. On a data folder jobs live in this process's memory and are forgotten when
/// it stops; on PostgreSQL they are also written to the database (`PostgresJobTable`), so every
/// server process on it answers for every job. Either way the documents a job committed stay in
/// the store (each document commits on its own), and re-sending the upload finishes the rest
/// (unchanged documents are skipped by content hash).
final class IngestJobs: @unchecked Sendable {
    struct Job: Codable, Sendable {
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
        var tenant = ""

        enum CodingKeys: String, CodingKey {
            case id, object, collection, status, documents, result, error, createdAt = "created_at", finishedAt = "finished_at"
        }
    }

    /// Where jobs are shared with other processes (nil: this process only).
    let shared: PostgresJobTable?
    private let lock = NSLock()
    private var jobs: [String: Job] = [:]

    init(shared: PostgresJobTable? = nil) {
        self.shared = shared
    }

    /// Registers a queued job. - Returns: it.
    /// - Throws: a database error when the job cannot be shared.
    func add(tenant: String, collection: String, documents: Int) throws -> Job {
        let job = Job(id: "job-" + CompletionRoutes.randomId(), collection: collection, status: "queued", documents: documents,
                      createdAt: Int(Date().timeIntervalSince1970), tenant: tenant)
        try shared?.save(id: job.id, tenant: tenant, body: JSONEncoder().encode(job))
        lock.lock()
        jobs[job.id] = job
        lock.unlock()
        return job
    }

    /// Changes the job `id`. A failure to share the change is written to stderr (the job's own
    /// outcome is in this process's memory, and in the store).
    func update(_ id: String, _ change: (inout Job) -> Void) {
        lock.lock()
        guard var job = jobs[id] else { lock.unlock(); return }
        change(&job)
        jobs[id] = job
        lock.unlock()
        do {
            try shared?.save(id: job.id, tenant: job.tenant, body: JSONEncoder().encode(job))
        } catch {
            FileHandle.standardError.write(Data("ragtune serve: cannot share the state of \(id): \(error)\n".utf8))
        }
    }

    /// The job `id` if it belongs to `tenant`: this process's own, else one another process shared.
    func job(_ id: String, tenant: String) throws -> Job? {
        lock.lock()
        let own = jobs[id]
        lock.unlock()
        if let own { return own.tenant == tenant ? own : nil }
        guard let body = try shared?.body(id: id, tenant: tenant) else { return nil }
        var job = try JSONDecoder().decode(Job.self, from: body)
        job.tenant = tenant
        return job
    }
}
