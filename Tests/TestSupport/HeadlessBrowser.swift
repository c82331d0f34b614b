import Foundation
import Testing

/// Headless Chromium (Debian's `chromium`) for tests of the HTML reports: a page is loaded, every
/// console message is collected (the reports have no scripts, so any message is a fault), and
/// screenshots are taken. Tests that need it carry `.needsBrowser`; with `RAGTUNE_REQUIRE_BROWSER=1`
/// (CI) they run, and a missing browser fails them.
public enum HeadlessBrowser {
    public static let required = ProcessInfo.processInfo.environment["RAGTUNE_REQUIRE_BROWSER"] == "1"

    /// The browser executable, if installed.
    public static var executable: String? {
        ["/usr/bin/chromium", "/usr/bin/chromium-browser"].first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// What loading a page did.
    public struct Load {
        public var status: Int32
        /// The DOM after loading (`--dump-dom`), or empty for a screenshot.
        public var dom: String
        /// Console messages the page logged.
        public var console: [String]
        public var log: String
    }

    /// Loads `page` in a window `width` pixels wide; dumps the DOM, or with `screenshot` writes a PNG there.
    public static func load(_ page: URL, width: Int = 1000, height: Int = 2400, screenshot: URL? = nil) throws -> Load {
        guard let executable else { throw CocoaError(.fileNoSuchFile, userInfo: [NSLocalizedDescriptionKey: "chromium is not installed"]) }
        let profile = FileManager.default.temporaryDirectory.appendingPathComponent("ragtune-chromium-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: profile) }
        let process = Process(), output = Pipe(), errors = Pipe()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = ["--headless=new", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--no-first-run",
                             "--user-data-dir=\(profile.path)", "--enable-logging=stderr", "--v=0", "--window-size=\(width),\(height)"]
            + (screenshot.map { ["--screenshot=\($0.path)"] } ?? ["--dump-dom"]) + [page.absoluteString]
        process.standardOutput = output
        process.standardError = errors
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let watchdog = DispatchWorkItem { if process.isRunning { process.terminate() } }
        DispatchQueue.global().asyncAfter(deadline: .now() + 120, execute: watchdog)
        defer { watchdog.cancel() }
        let dom = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        let log = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        let console = log.split(separator: "\n").filter { $0.contains(":CONSOLE") }.map(String.init)
        return Load(status: process.terminationStatus, dom: dom, console: console, log: log)
    }
}

extension Trait where Self == ConditionTrait {
    /// Runs the test when headless Chromium is installed (or required).
    public static var needsBrowser: Self {
        .enabled(if: HeadlessBrowser.executable != nil || HeadlessBrowser.required,
                 "skipped: chromium is not installed (apt-get install chromium)")
    }
}
