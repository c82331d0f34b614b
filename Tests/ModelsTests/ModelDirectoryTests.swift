import Foundation
import Testing
@testable import RagTuneModels

@Suite struct ModelDirectoryTests {
    @Test func missingModelErrorNamesTheInstallCommand() throws {
        let dir = ModelDirectory(environment: ["RAGTUNE_HOME": "/nonexistent/ragtune-home"])
        #expect(dir.root.path == "/nonexistent/ragtune-home/models")
        #expect(!dir.isInstalled(ModelCatalog.minilm))
        do {
            _ = try dir.file("model.safetensors", of: ModelCatalog.minilm)
            Issue.record("expected an error")
        } catch {
            #expect("\(error)".contains("ragtune models install minilm"))
        }
    }
}
