import ArgumentParser
import RagTuneStorage

/// `ragtune remove --store PATH ID...`
struct RemoveCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "remove", abstract: "Remove documents (by id) and their chunks from a store.")

    @Option(help: "The store built by `ragtune index` (an SQLite file or a postgres:// URL).")
    var store: String

    @Argument(help: "Document ids (as `ragtune search` shows them).")
    var ids: [String]

    @OptionGroup var indexOptions: VectorIndexOptions

    @OptionGroup var jsonOutput: JSONOutputOptions

    func run() throws {
        let database = try AnyDocumentStore.open(store, mode: .readWrite)
        let removed = try database.remove(ids)
        try indexOptions.indexes(for: store).refresh(database, vectorIndex: indexOptions.vectorIndex)
        if jsonOutput.json { try printJSON(RemoveSummary(removed: removed, requested: ids.count)) } else { print("removed \(removed) of \(ids.count)") }
    }
}

/// What `remove --json` prints.
struct RemoveSummary: Encodable {
    var removed: Int
    var requested: Int
}
