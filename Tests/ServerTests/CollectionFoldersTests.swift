import Foundation
@testable import RagTuneServer
import RagTuneStorage
import Testing

/// A collection's store file appears while its first upload makes it: a reader that opens it at
/// that moment must see either no collection (404) or a usable store, never a half-made file.
struct CollectionFoldersTests {
    @Test func aCollectionBeingMadeIsEitherAbsentOrComplete() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("ragtune-folders-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        let folders = CollectionFolders(root: root.path)
        let names = (0..<40).map { "c\($0)" }
        let done = ManagedAtomicFlag()
        let failures = FailureList()
        let reader = Thread {
            while !done.isSet {
                for name in names {
                    do { _ = try folders.existing(tenant: "t", collection: name, mode: .readOnly) } catch let error as APIError where error.status == .notFound {
                    } catch { failures.append("\(name): \(error)") }
                }
            }
            done.finishReading()
        }
        reader.start()
        for name in names { _ = try folders.forUpload(tenant: "t", collection: name) }
        done.set()
        done.waitForReader()
        #expect(failures.items.isEmpty, "\(failures.items.prefix(3))")
        for name in names { _ = try folders.existing(tenant: "t", collection: name, mode: .readOnly) }
    }
}

/// A flag one thread sets and another polls, and a semaphore for the poller's end.
private final class ManagedAtomicFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var value = false
    private let finished = DispatchSemaphore(value: 0)
    var isSet: Bool { lock.withLock { value } }
    func set() { lock.withLock { value = true } }
    func finishReading() { finished.signal() }
    func waitForReader() { finished.wait() }
}

private final class FailureList: @unchecked Sendable {
    private let lock = NSLock()
    private var list: [String] = []
    var items: [String] { lock.withLock { list } }
    func append(_ item: String) { lock.withLock { list.append(item) } }
}
