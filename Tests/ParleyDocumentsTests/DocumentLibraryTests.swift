import Foundation
import Logging
import ParleyTestSupport
import Testing

@testable import ParleyDocuments

@Suite("Document library: scanning and change detection")
struct DocumentLibraryTests {
    @Test func onlyChangedFilesAreReadAgain() async throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        try folder.write("a.md", "# A\n\nalpha text\n")
        try folder.write("sub/b.txt", "bravo text\n")
        try folder.write("sub/deeper/c.html", "<h1>C</h1><p>charlie text</p>")
        try folder.write("ignored.pdf", "not a document type")
        let index = try await SQLitePassageIndex.open(path: nil)
        let library = DocumentLibrary(root: folder.url, index: index)

        var status = try await library.refresh()
        #expect(status.files == 3)
        #expect(status.passages == 3)
        #expect(await library.filesRead == 3)
        #expect(status.lastRefresh != nil)
        #expect(try await library.index.files().map(\.path) == ["a.md", "sub/b.txt", "sub/deeper/c.html"])

        status = try await library.refresh()
        #expect(await library.filesRead == 3, "nothing changed, nothing read")

        try folder.write("sub/b.txt", "bravo changed words\n")
        try folder.touch("sub/b.txt", secondsSince1970: 2_000_000_000)
        try FileManager.default.removeItem(at: folder.url.appendingPathComponent("a.md"))
        status = try await library.refresh()
        #expect(await library.filesRead == 4, "only the changed file was read")
        #expect(status.files == 2)
        #expect(try await library.index.keywordSearch("changed", limit: 5).map(\.path) == ["sub/b.txt"])
        #expect(try await library.index.keywordSearch("alpha", limit: 5).isEmpty)

        // Touched without a change of content: read once, same passages and ids.
        let before = try await library.index.keywordSearch("charlie", limit: 1)
        try folder.touch("sub/deeper/c.html", secondsSince1970: 2_000_000_100)
        try await library.refresh()
        #expect(await library.filesRead == 5)
        #expect(try await library.index.keywordSearch("charlie", limit: 1) == before)
        try await index.close()
    }

    @Test func binaryLargeAndOutsideLinksAreSkippedWithOneLogLine() async throws {
        let folder = try TemporaryFolder()
        let outside = try TemporaryFolder()
        defer { folder.remove(); outside.remove() }
        try folder.write("good.md", "# Good\n\nkept\n")
        try folder.write("binary.md", Data([0x23, 0x20, 0x41, 0x00, 0x01]))
        try folder.write("latin1.txt", Data([0x63, 0x61, 0x66, 0xE9]))
        try folder.write("large.txt", String(repeating: "x", count: 2_000))
        try outside.write("secret.md", "# Secret\n\nnever indexed\n")
        try FileManager.default.createSymbolicLink(at: folder.url.appendingPathComponent("link.md"), withDestinationURL: outside.url.appendingPathComponent("secret.md"))
        try FileManager.default.createSymbolicLink(at: folder.url.appendingPathComponent("linkdir"), withDestinationURL: outside.url)
        try FileManager.default.createSymbolicLink(at: folder.url.appendingPathComponent("inside.md"), withDestinationURL: folder.url.appendingPathComponent("good.md"))
        try folder.write(".hidden/h.md", "# Hidden\n")

        let capture = LogCapture()
        let index = try await SQLitePassageIndex.open(path: nil)
        let library = DocumentLibrary(root: folder.url, index: index, maximumFileSize: 1_000, logger: capture.logger())
        let status = try await library.refresh()
        #expect(try await library.index.files().map(\.path) == ["good.md", "inside.md"])
        #expect(status.skippedFiles == [
            SkippedFile(path: "binary.md", reason: .binary),
            SkippedFile(path: "large.txt", reason: .tooLarge),
            SkippedFile(path: "latin1.txt", reason: .binary),
            SkippedFile(path: "link.md", reason: .outsideFolder),
            SkippedFile(path: "linkdir", reason: .outsideFolder),
        ])
        #expect(try await library.index.keywordSearch("secret never", limit: 5).isEmpty)
        let read = await library.filesRead
        #expect(try await library.refresh().skippedFiles == status.skippedFiles)
        #expect(await library.filesRead == read, "an unchanged skipped file is not read again")
        #expect(capture.lines(containing: "skipped binary.md").count == 1)
        #expect(capture.lines(containing: "skipped link.md").count == 1)
        try await index.close()
    }

    @Test func aMissingFolderIsReportedNotThrown() async throws {
        try await withMemoryIndex { index in
            let library = DocumentLibrary(root: URL(fileURLWithPath: "/nonexistent/parley-docs"), index: index)
            let status = try await library.refresh()
            #expect(status.files == 0)
            #expect(status.lastError?.contains("PARLEY_DOCS_DIR") == true)
        }
    }
}

@Suite("Document library: mounted folders and the periodic refresh")
struct DocumentLibraryMountTests {
    /// A Kubernetes ConfigMap volume: each key is a link through `..data` to a timestamped folder.
    @Test func aConfigMapMountIndexesEachKeyOnceUnderItsName() async throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        try folder.write("..2026_11_30_02_00_00.123/setup.md", "# Setup\n\nconfigmap text\n")
        let manager = FileManager.default
        try manager.createSymbolicLink(atPath: folder.url.appendingPathComponent("..data").path, withDestinationPath: "..2026_11_30_02_00_00.123")
        try manager.createSymbolicLink(atPath: folder.url.appendingPathComponent("setup.md").path, withDestinationPath: "..data/setup.md")
        try await withMemoryIndex { index in
            let library = DocumentLibrary(root: folder.url, index: index)
            let status = try await library.refresh()
            #expect(try await index.files().map(\.path) == ["setup.md"])
            #expect(status.skippedFiles.isEmpty)
            #expect(try await index.keywordSearch("configmap", limit: 5).map(\.path) == ["setup.md"])
        }
    }

    @Test func runRefreshesBetweenInjectedSleeps() async throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        try folder.write("a.md", "# A\n\nalpha\n")
        try await withMemoryIndex { (index: SQLitePassageIndex) async throws in
            let library = DocumentLibrary(root: folder.url, index: index)
            let sleeps = SleepCounter()
            // The third sleep is "cancelled": run returns, having refreshed three times.
            await library.run(every: .seconds(30)) { interval in
                #expect(interval == .seconds(30))
                if await sleeps.add() == 3 { throw CancellationError() }
                try folder.write("a.md", "# A\n\nalpha \(await sleeps.count)\n")
                try folder.touch("a.md", secondsSince1970: 1_900_000_000 + Double(await sleeps.count))
            }
            #expect(await sleeps.count == 3)
            #expect(await library.filesRead == 3)
            #expect(try await index.keywordSearch("alpha", limit: 1).first?.text == "alpha 2")
        }
    }
}

actor SleepCounter {
    var count = 0
    func add() -> Int {
        count += 1
        return count
    }
}

@Suite("Document library: an index file across restarts")
struct DocumentLibraryRestartTests {
    @Test func aRestartReadsNothingUnchangedAndEmbedsNothingAgain() async throws {
        let folder = try TemporaryFolder()
        let data = try TemporaryFolder()
        defer { folder.remove(); data.remove() }
        try folder.write("a.md", "# A\n\nalpha\n\n## B\n\nbravo\n")
        let path = data.url.appendingPathComponent("documents.sqlite").path
        let embedded = EmbedCalls()
        let embedder: DocumentLibrary.Embedder = { texts in
            await embedded.add(texts.count)
            return texts.map { [Float($0.count), 1] }
        }
        for run in 1...2 {
            let index = try await SQLitePassageIndex.open(path: path)
            let library = DocumentLibrary(root: folder.url, index: index, embedder: embedder)
            let status = try await library.refresh()
            #expect(status.passages == 2)
            #expect(await library.filesRead == (run == 1 ? 1 : 0))
            #expect(try await index.keywordSearch("bravo", limit: 1).first?.headings == ["A", "B"])
            try await index.close()
        }
        #expect(await embedded.texts == 2)
    }
}
