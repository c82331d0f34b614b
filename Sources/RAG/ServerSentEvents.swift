import Foundation

/// Incremental parser of a Server-Sent Events stream (the WHATWG format OpenAI-compatible servers
/// stream chat completions in): bytes arrive in arbitrary pieces; complete events come out.
/// Only `data:` fields matter here; comments (`:`) and other fields are skipped.
struct ServerSentEventParser {
    private var pending = Data()
    private var dataLines: [String] = []

    /// Feeds bytes; returns the data of every event they complete, in order.
    mutating func feed(_ bytes: Data) -> [String] {
        pending.append(bytes)
        var events: [String] = []
        while let newline = pending.firstIndex(of: UInt8(ascii: "\n")) {
            var line = pending[pending.startIndex..<newline]
            pending = Data(pending[(newline + 1)...])
            if line.last == UInt8(ascii: "\r") { line = line.dropLast() }
            let text = String(decoding: line, as: UTF8.self)
            if text.isEmpty {
                if !dataLines.isEmpty { events.append(dataLines.joined(separator: "\n")) }
                dataLines.removeAll()
            } else if text.hasPrefix("data:") {
                var value = text.dropFirst(5)
                if value.first == " " { value = value.dropFirst() }
                dataLines.append(String(value))
            }
        }
        return events
    }

    /// Ends the stream: an event not yet closed by a blank line is returned.
    mutating func finish() -> [String] {
        var events = feed(Data("\n".utf8))
        if !dataLines.isEmpty { events.append(dataLines.joined(separator: "\n")) }
        dataLines.removeAll()
        return events
    }
}
