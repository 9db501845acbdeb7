import Foundation
import ParleyChat
import ParleyDocuments
import ParleySessionStorePostgres
import ParleyTestSupport
import Synchronization
import Testing

/// `DocumentLibrary` (ParleyDocuments) over the PostgreSQL index: two replicas refreshing one
/// folder share one index and one embedding backlog; and how long 10k passages take to index.
@Suite("Documents in PostgreSQL, end to end", .enabled(if: TestPostgres.enabled, TestPostgres.skipReason))
struct PostgresDocumentLibraryTests {
    /// Counts what was embedded, with the deterministic fake embedding.
    final class CountingEmbedder: Sendable {
        private let inputs = Mutex<[String]>([])
        var embedded: [String] { inputs.withLock { $0 } }

        func embed(_ texts: [String]) -> [[Float]] {
            inputs.withLock { $0 += texts }
            return texts.map { HashedWordEmbedding.vector(for: $0) }
        }
    }

    private func index(_ schema: String, model: String = "") throws -> PostgresPassageIndex {
        let settings = try TestPostgres.settings()
        let password = settings.password
        return PostgresPassageIndex(settings: settings, options: .init(embeddingModel: model, searchPath: schema),
                                    password: { password }, logger: TestPostgres.logger)
    }

    private func write(_ text: String, to path: String, in folder: URL) throws {
        let url = folder.appendingPathComponent(path)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(text.utf8).write(to: url)
    }

    @Test func twoReplicasShareOneIndexAndEmbedEachPassageOnce() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("pg-docs-\(UUID().uuidString)")
        let schema = try await TestPostgres.makeSchema()
        defer { try? FileManager.default.removeItem(at: folder) }
        let first = try index(schema, model: "text-embedding-3-small")
        let second = try index(schema, model: "text-embedding-3-small")
        do {
            try write("# Proxy\n\nSet HTTPS_PROXY to reach Azure through the company proxy.\n\n## Certificates\n\nAdd the gateway's root certificate.\n",
                      to: "setup/proxy.md", in: folder)
            try write("<html><head><title>Identity</title></head><body><h1>Identity</h1><p>Workload identity federates the pod's service account token.</p></body></html>",
                      to: "identity.html", in: folder)
            try write("Offline mode answers from the documents alone.\n", to: "offline.txt", in: folder)
            let embedder = CountingEmbedder()
            let libraries = [first, second].map {
                DocumentLibrary(root: folder, index: $0, embedder: { embedder.embed($0) }, embeddingBatchSize: 2)
            }
            try await withThrowingTaskGroup(of: Void.self) { group in
                for library in libraries { group.addTask { try await library.refresh() } }
                try await group.waitForAll()
            }
            let passages = try await first.passageCount()
            #expect(passages >= 4)
            #expect(try await second.files().map(\.path) == ["identity.html", "offline.txt", "setup/proxy.md"])
            #expect(embedder.embedded.count == passages, "each passage embedded once across both replicas")
            #expect(try await second.passageVectors().count == passages)
            #expect(try await second.keywordSearch("service account token", limit: 1).first?.path == "identity.html")
            let proxy = try #require(try await second.keywordSearch("gateway certificate", limit: 1).first)
            #expect(proxy.headings.last == "Certificates")
            #expect(proxy.title == "Proxy")

            // A change seen by one replica is the other's at once; nothing is embedded twice.
            try write("Offline mode quotes the best passages with citations.\n", to: "offline.txt", in: folder)
            try await libraries[1].refresh()
            #expect(try await first.keywordSearch("citations", limit: 1).first?.path == "offline.txt")
            #expect(embedder.embedded.count == passages + 1)
        } catch {
            await first.shutdown(); await second.shutdown(); await TestPostgres.dropSchema(schema)
            throw error
        }
        await first.shutdown(); await second.shutdown(); await TestPostgres.dropSchema(schema)
    }

    /// 100 files of 100 passages (~60 words each). Measured on the 2-core test machine with six
    /// builds running: see the README section "Documents: PostgreSQL and embeddings".
    @Test func tenThousandPassagesAreIndexedWithinAMinute() async throws {
        let schema = try await TestPostgres.makeSchema()
        let index = try index(schema)
        do {
            let words = ["token", "proxy", "identity", "deployment", "cluster", "answer", "passage", "citation", "folder",
                         "replica", "index", "search", "network", "certificate", "secret", "budget"]
            let started = ContinuousClock.now
            for file in 0..<100 {
                let path = "bench/file-\(file).md"
                let passages = (0..<100).map { number in
                    let text = (0..<60).map { words[($0 * 7 + number * 3 + file) % words.count] }.joined(separator: " ")
                    return IndexedPassage(
                        passage: DocumentPassage(id: "\(file)-\(number)", path: path, title: "File \(file)",
                                                 headings: ["File \(file)", "Part \(number)"], lineStart: number * 10 + 1,
                                                 lineEnd: number * 10 + 9, text: text),
                        contentHash: "\(file)-\(number)")
                }
                try await index.replace(file: IndexedFile(path: path, size: 6000, modificationTime: 1, contentHash: "h\(file)"),
                                        passages: passages)
            }
            let indexing = ContinuousClock.now - started
            let searchStarted = ContinuousClock.now
            let results = try await index.keywordSearch("certificate for the proxy replica", limit: 5)
            let search = ContinuousClock.now - searchStarted
            print("PostgresPassageIndex: 10000 passages indexed in \(indexing), one search in \(search)")
            #expect(try await index.passageCount() == 10_000)
            #expect(results.count == 5)
            #expect(indexing < .seconds(60))
            #expect(search < .seconds(5))
        } catch {
            await index.shutdown(); await TestPostgres.dropSchema(schema)
            throw error
        }
        await index.shutdown(); await TestPostgres.dropSchema(schema)
    }
}
