import Foundation
import Testing
@testable import RagTuneRetrieval

@Suite struct DocumentLoaderTests {
    /// A fresh temporary folder holding `files` (relative path → bytes).
    static func folder(_ files: [String: [UInt8]]) throws -> URL {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("ragtune-loader-\(UUID().uuidString)")
        for (path, bytes) in files {
            let url = root.appendingPathComponent(path)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data(bytes).write(to: url)
        }
        return root
    }

    static func folder(text files: [String: String]) throws -> URL {
        try folder(files.mapValues { Array($0.utf8) })
    }

    @Test func textAndMarkdownTitles() throws {
        let root = try Self.folder(text: [
            "notes.txt": "\n\n  First line  \nsecond line\r\nthird\n",
            "guide.md": "Intro text\n\n# Guide\n\n## Install\nRun it.\n",
            "plain.md": "no heading here\n",
        ])
        defer { try? FileManager.default.removeItem(at: root) }
        let result = DocumentLoader().load(paths: [root])
        #expect(result.issues.isEmpty)
        let byID = Dictionary(uniqueKeysWithValues: result.documents.map { ($0.id, $0) })
        #expect(result.documents.map(\.id) == ["guide.md", "notes.txt", "plain.md"])
        #expect(byID["notes.txt"]?.title == "First line")
        #expect(byID["notes.txt"]?.text == "\n\n  First line  \nsecond line\nthird\n")   // CRLF normalized
        #expect(byID["guide.md"]?.title == "Guide")
        #expect(byID["guide.md"]?.text.contains("## Install") == true)
        #expect(byID["guide.md"]?.format == .markdown)
        #expect(byID["plain.md"]?.title == "plain.md")
        let notes = try #require(byID["notes.txt"])
        #expect(notes.contentHash == SourceDocument.contentHash(title: notes.title, text: notes.text))
        #expect(notes.contentHash != SourceDocument.contentHash(title: notes.title, text: notes.text + "!"))
    }

    @Test func markdownFrontMatterGivesAclTitleAndMetadata() throws {
        let root = try Self.folder(text: [
            "restricted.md": "---\nacl: [research-board, \"ceo\"]\ntags:\n  - alpha\n  - beta\nteam: hr\ndate: 2024-01-05\n---\n# Notes\nSecret.\n",
            "titled.md": "---\ntitle: 'Given title'\nacl:\n  - ann\n  - bob\n...\n# Heading\nBody.\n",
            "nested.md": "---\nparams:\n  owner: kim\n  level: 2\nacl: []\n---\nOpen text.\n",
        ])
        defer { try? FileManager.default.removeItem(at: root) }
        let loaded = DocumentLoader().load(paths: [root])
        #expect(loaded.issues.isEmpty)
        let byID = Dictionary(uniqueKeysWithValues: loaded.documents.map { ($0.id, $0) })
        let restricted = try #require(byID["restricted.md"])
        #expect(restricted.acl == ["research-board", "ceo"])
        #expect(restricted.metadata == ["tags": "alpha, beta", "team": "hr", "date": "2024-01-05"])
        #expect(restricted.title == "Notes" && restricted.text == "# Notes\nSecret.\n")
        #expect(byID["titled.md"]?.title == "Given title" && byID["titled.md"]?.acl == ["ann", "bob"])
        #expect(byID["nested.md"]?.metadata == ["params.owner": "kim", "params.level": "2"] && byID["nested.md"]?.acl == [])
    }

    /// Issue 13.2: front matter that cannot be read exactly is a per-file error, never a guess
    /// (an unreadable ACL must not become an open document).
    @Test func invalidFrontMatterIsAPerFileError() throws {
        let bad = [
            "unclosed-list.md": ("---\nacl: [research-board\n---\n# Plan\nSecret.\n", "not valid YAML"),
            "never-closed.md": ("---\nacl: [x]\n# Not front matter\n", "never closed"),
            "acl-string.md": ("---\nacl: ann, bob\n---\nText.\n", "\"acl\" must be a list of strings"),
            "acl-map.md": ("---\nacl: {who: ann}\n---\nText.\n", "\"acl\" must be a list of strings"),
            "acl-nested.md": ("---\nacl: [[ann]]\n---\nText.\n", "\"acl\" must be a list of non-empty strings"),
            "not-a-map.md": ("---\n- just\n- a list\n---\nText.\n", "must be a mapping"),
            "title-list.md": ("---\ntitle: [a, b]\n---\nText.\n", "\"title\" must be a string"),
        ]
        let root = try Self.folder(text: bad.mapValues(\.0).merging(["good.md": "# Fine\nText.\n"]) { a, _ in a })
        defer { try? FileManager.default.removeItem(at: root) }
        let loaded = DocumentLoader().load(paths: [root])
        #expect(loaded.documents.map(\.id) == ["good.md"])
        #expect(loaded.failures.count == bad.count)
        for (name, (_, reason)) in bad {
            let issue = loaded.failures.first { $0.path.hasSuffix("/" + name) }
            #expect(issue.map { "\($0)".contains(reason) && "\($0)".contains(name) } == true, "\(name): \(String(describing: issue))")
        }
    }

    @Test func fnv1aMatchesReferenceVectors() {
        // FNV-1a 64 of "" is the offset basis; of "a" is 0xaf63dc4c8601ec8c (reference test vectors).
        // Here the input is title, 0x00, text: ("a", "") hashes "a\0".
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in [UInt8(ascii: "a"), 0] { hash ^= UInt64(byte); hash &*= 0x100000001b3 }
        #expect(SourceDocument.contentHash(title: "a", text: "") == hash)
        hash = 0xcbf2_9ce4_8422_2325
        hash ^= UInt64(UInt8(ascii: "a")); hash &*= 0x100000001b3
        #expect(hash == 0xaf63_dc4c_8601_ec8c)
    }

    @Test func htmlExtractionDropsScriptsAndDecodesEntities() throws {
        let html = """
        <!DOCTYPE html><html><head><title>Caf&eacute; &amp; Bar</title>
        <style>body { color: red }</style><script>var x = "<p>no</p>";</script></head>
        <body><!-- hidden comment --><h1>Menu</h1><p>Fish &amp; chips &lt;3 &gt; &quot;ok&quot; it&#39;s&nbsp;fine</p>
        <noscript>enable js</noscript><div>Price: &#8364;5 or &#x24;6</div><ul><li>one</li><LI>two</LI></ul>
        <SCRIPT type="text/javascript">alert(1)</SCRIPT>tail  text
        </body></html>
        """
        let (title, text) = HTMLTextExtractor.extract(html)
        #expect(title == "Caf&eacute; & Bar")   // unknown entities stay verbatim
        #expect(text == "# Menu\n\nFish & chips <3 > \"ok\" it's\u{00A0}fine\n\nPrice: €5 or $6\n\none\ntwo\n\ntail text")
        let root = try Self.folder(text: ["page.htm": html])
        defer { try? FileManager.default.removeItem(at: root) }
        let document = try #require(DocumentLoader().load(paths: [root]).documents.first)
        #expect(document.format == .html && document.title == "Caf&eacute; & Bar" && document.text == text)
        #expect(!document.text.contains("alert") && !document.text.contains("color") && !document.text.contains("hidden"))
    }

    @Test func jsonlCorpusMetadataAclAndBadLines() throws {
        let lines = [
            #"{"_id": "d1", "title": "One", "text": "First text.", "source": "pubmed", "year": 2020, "acl": ["alice", "team-a"]}"#,
            #"{"_id": 42, "text": "No title.", "metadata": {"url": "http://x"}, "score": 0.5, "ok": true}"#,
            "",
            #"{"_id": "d3", "text": "broken"#,
            #"{"title": "no id"}"#,
            #"{"_id": "d5", "acl": "alice"}"#,
        ]
        let root = try Self.folder(text: ["corpus.jsonl": lines.joined(separator: "\n") + "\n"])
        defer { try? FileManager.default.removeItem(at: root) }
        let result = DocumentLoader().load(paths: [root])
        #expect(result.documents.map(\.id) == ["d1", "42"])
        #expect(result.documents[0].title == "One" && result.documents[0].text == "First text.")
        #expect(result.documents[0].metadata == ["source": "pubmed", "year": "2020"])
        #expect(result.documents[0].acl == ["alice", "team-a"])
        #expect(result.documents[1].title == "" && result.documents[1].acl.isEmpty)
        #expect(result.documents[1].metadata == ["metadata.url": "http://x", "score": "0.5", "ok": "true"])
        let lineNumbers = result.failures.compactMap { issue -> Int? in
            if case .badFile(_, let line, _) = issue.error { return line }
            return nil
        }
        #expect(lineNumbers == [4, 5, 6])
        #expect(result.failures[0].description.contains("corpus.jsonl:4:"))
    }

    @Test func binaryEmptyOversizedAndInvalidUTF8Files() throws {
        let root = try Self.folder([
            "bin.txt": [0x48, 0x69, 0x00, 0x01, 0x02],
            "empty.txt": [],
            "blank.md": Array(" \n\n\t".utf8),
            "big.txt": Array(repeating: UInt8(ascii: "a"), count: 2_000),
            "latin1.txt": Array("caf".utf8) + [0xE9] + Array(" ok".utf8),
            "good.txt": Array("fine".utf8),
        ])
        defer { try? FileManager.default.removeItem(at: root) }
        let result = DocumentLoader(maxFileBytes: 1_000).load(paths: [root])
        #expect(result.documents.map(\.id) == ["good.txt", "latin1.txt"])
        #expect(result.documents[1].text == "caf\u{FFFD} ok")
        var kinds: [String: String] = [:]
        for issue in result.issues {
            let name = (issue.path as NSString).lastPathComponent
            switch issue.error {
            case .binaryFile: kinds[name] = "binary \(issue.severity)"
            case .emptyFile: kinds[name] = "empty \(issue.severity)"
            case .fileTooLarge(_, let bytes, let limit): kinds[name] = "large \(bytes)/\(limit)"
            case .invalidUTF8: kinds[name] = "utf8 \(issue.severity)"
            default: kinds[name] = "other: \(issue)"
            }
        }
        #expect(kinds == ["bin.txt": "binary error", "empty.txt": "empty note", "blank.md": "empty note",
                          "big.txt": "large 2000/1000", "latin1.txt": "utf8 warning"])
        #expect(result.failures.count == 2)
        #expect(result.issues.first { $0.path.hasSuffix("big.txt") }!.description.contains("2000 bytes"))
    }

    @Test func includeExcludeGlobsAndExplicitFiles() throws {
        let root = try Self.folder(text: [
            "a.md": "a", "docs/b.md": "b", "docs/deep/c.md": "c", "docs/deep/d.txt": "d",
            "drafts/e.md": "e", "img.png": "x", ".hidden/f.md": "f",
        ])
        defer { try? FileManager.default.removeItem(at: root) }
        let loader = DocumentLoader()
        #expect(loader.load(paths: [root]).documents.map(\.id) == ["a.md", "docs/b.md", "docs/deep/c.md",
                                                                  "docs/deep/d.txt", "drafts/e.md"])
        #expect(loader.load(paths: [root], include: ["*.md"], exclude: ["drafts/**"]).documents.map(\.id)
                == ["a.md", "docs/b.md", "docs/deep/c.md"])
        #expect(loader.load(paths: [root], include: ["docs/*.md"]).documents.map(\.id) == ["docs/b.md"])
        #expect(loader.load(paths: [root], include: ["docs/**/*.md"]).documents.map(\.id)
                == ["docs/b.md", "docs/deep/c.md"])
        #expect(loader.load(paths: [root], include: ["docs/?.md"]).documents.map(\.id) == ["docs/b.md"])
        // A pattern without "/" matches file names at any depth.
        #expect(loader.load(paths: [root], include: ["?.txt"]).documents.map(\.id) == ["docs/deep/d.txt"])
        // An explicit file loads whatever the globs; a missing path or unsupported type is a failure.
        let explicit = loader.load(paths: [root.appendingPathComponent("docs/deep/d.txt"),
                                           root.appendingPathComponent("img.png"),
                                           root.appendingPathComponent("missing.txt")], exclude: ["**"])
        #expect(explicit.documents.map(\.id) == ["d.txt"])
        #expect(explicit.failures.count == 2)
    }

    @Test func globMatching() {
        #expect(GlobPattern("**/*.md").matches("a.md") && GlobPattern("**/*.md").matches("x/y/a.md"))
        #expect(GlobPattern("docs/*").matches("docs/a") && !GlobPattern("docs/*").matches("docs/a/b"))
        #expect(GlobPattern("docs/**").matches("docs/a/b") && !GlobPattern("docs/**").matches("doc/a"))
        #expect(GlobPattern("a?c.txt").matches("abc.txt") && !GlobPattern("a?c/x").matches("a/c/x"))
        #expect(GlobPattern("*.txt").matches("deep/x.txt") && !GlobPattern("*.txt").matches("x.md"))
    }
}

extension DocumentLoaderTests {
    static let pdftotextInstalled = FileManager.default.isExecutableFile(atPath: "/usr/bin/pdftotext")
        || FileManager.default.isExecutableFile(atPath: "/usr/local/bin/pdftotext")

    /// A one-page PDF 1.4 showing `text` in Helvetica, with a correct cross-reference table.
    static func minimalPDF(_ text: String) -> [UInt8] {
        let content = "BT /F1 18 Tf 20 100 Td (\(text)) Tj ET"
        let objects = [
            "<< /Type /Catalog /Pages 2 0 R >>",
            "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 300 144] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
            "<< /Length \(content.utf8.count) >>\nstream\n\(content)\nendstream",
            "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        ]
        var pdf = "%PDF-1.4\n"
        var offsets: [Int] = []
        for (index, body) in objects.enumerated() {
            offsets.append(pdf.utf8.count)
            pdf += "\(index + 1) 0 obj\n\(body)\nendobj\n"
        }
        let xref = pdf.utf8.count
        pdf += "xref\n0 \(objects.count + 1)\n0000000000 65535 f \n"
        for offset in offsets { pdf += String(repeating: "0", count: 10 - String(offset).count) + "\(offset) 00000 n \n" }
        pdf += "trailer\n<< /Size \(objects.count + 1) /Root 1 0 R >>\nstartxref\n\(xref)\n%%EOF\n"
        return Array(pdf.utf8)
    }

    @Test(.enabled(if: pdftotextInstalled, "pdftotext not installed: apt-get install -y poppler-utils"))
    func pdfViaPdftotext() throws {
        let root = try Self.folder(["paper.pdf": Self.minimalPDF("Hello PDF world"),
                                    "broken.pdf": Array("%PDF-1.4 not really".utf8)])
        defer { try? FileManager.default.removeItem(at: root) }
        let result = DocumentLoader().load(paths: [root])
        let document = try #require(result.documents.first)
        #expect(result.documents.count == 1 && document.id == "paper.pdf" && document.format == .pdf)
        #expect(document.title == "Hello PDF world")
        #expect(document.text.contains("Hello PDF world"))
        #expect(result.failures.count == 1)
        #expect(result.failures.first?.description.contains("pdftotext failed") == true)
    }
}
