import Foundation
import ParleyChat
import ParleyDocuments
import ParleySessionStorePostgres
import ParleyTestSupport
import PostgresNIO
import Testing

/// The PostgreSQL passage index against the real PostgreSQL of the test command: full-text ranking,
/// whole-file replacement, replicas sharing one index, the text search configuration and the
/// embeddings cache.
@Suite("PostgreSQL passage index", .enabled(if: TestPostgres.enabled, TestPostgres.skipReason))
struct PostgresPassageIndexTests {
    private func withIndex(
        _ options: PostgresPassageIndexOptions = .init(), logs: LogCapture? = nil,
        _ body: (PostgresPassageIndex, PostgresConnectionSettings, String) async throws -> Void
    ) async throws {
        let settings = try TestPostgres.settings()
        let schema = try await TestPostgres.makeSchema()
        let index = makeIndex(settings, options, schema: schema, logs: logs)
        do {
            try await body(index, settings, schema)
        } catch {
            await index.shutdown()
            await TestPostgres.dropSchema(schema)
            throw error
        }
        await index.shutdown()
        await TestPostgres.dropSchema(schema)
    }

    private func makeIndex(_ settings: PostgresConnectionSettings, _ options: PostgresPassageIndexOptions, schema: String,
                           logs: LogCapture? = nil) -> PostgresPassageIndex {
        var options = options
        options.searchPath = schema
        let password = settings.password
        return PostgresPassageIndex(settings: settings, options: options, password: { password },
                                    logger: logs?.logger(label: "index", level: .debug) ?? TestPostgres.logger)
    }

    private func file(_ path: String, hash: String) -> IndexedFile {
        IndexedFile(path: path, size: 100, modificationTime: 1_700_000_000, contentHash: hash)
    }

    private func passage(_ id: String, _ path: String, title: String, headings: [String] = [], text: String,
                         lines: ClosedRange<Int> = 1...3) -> IndexedPassage {
        IndexedPassage(
            passage: DocumentPassage(id: id, path: path, title: title, headings: headings, lineStart: lines.lowerBound,
                                     lineEnd: lines.upperBound, text: text),
            contentHash: "hash-\(id)")
    }

    /// Three files: the word "proxy" in a title, in a heading, and only in a passage's text.
    private func indexSmallCorpus(_ index: PostgresPassageIndex) async throws {
        try await index.replace(file: file("proxy.md", hash: "f1"), passages: [
            passage("p1", "proxy.md", title: "Proxy configuration", headings: ["Proxy configuration"],
                    text: "Set HTTPS_PROXY to the address of the outbound proxy. NO_PROXY lists hosts reached directly."),
            passage("p2", "proxy.md", title: "Proxy configuration", headings: ["Proxy configuration", "Certificates"],
                    text: "A TLS-inspecting gateway needs its root certificate in the trust store.", lines: 4...6),
        ])
        try await index.replace(file: file("setup.md", hash: "f2"), passages: [
            passage("s1", "setup.md", title: "Setup", headings: ["Setup", "Networking and proxy"],
                    text: "Parley reaches Azure OpenAI and Microsoft Entra over HTTPS."),
            passage("s2", "setup.md", title: "Setup", headings: ["Setup", "Running locally"],
                    text: "Run make run. Offline mode answers without a model.", lines: 7...9),
        ])
        try await index.replace(file: file("deploy.md", hash: "f3"), passages: [
            passage("d1", "deploy.md", title: "Deployment", headings: ["Deployment"],
                    text: "In AKS the pods may sit behind an egress proxy; the chart passes its address along."),
        ])
    }

    @Test func ranksTitleAndHeadingsAboveText() async throws {
        try await withIndex { index, _, _ in
            #expect(await index.readiness() == nil)
            try await indexSmallCorpus(index)
            let results = try await index.keywordSearch("proxy", limit: 10)
            #expect(Set(results.map(\.id)) == ["p1", "p2", "s1", "d1"])
            // Title (A) and heading (B) matches first, the text-only match last.
            #expect(results.last?.id == "d1")
            #expect(results.first?.path == "proxy.md")
            let top = try #require(results.first { $0.id == "p2" })
            #expect(top.headings == ["Proxy configuration", "Certificates"])
            #expect(top.lineStart == 4 && top.lineEnd == 6)
            #expect(top.title == "Proxy configuration")
            #expect(try await index.keywordSearch("proxy", limit: 2).count == 2)
        }
    }

    @Test func questionsInOwnWordsFindStemmedPassages() async throws {
        try await withIndex { index, _, _ in
            try await indexSmallCorpus(index)
            // Not every word is in the passage, and "configure" meets "configuration" through the stemmer.
            let results = try await index.keywordSearch("How do I configure the proxy for my pods?", limit: 5)
            #expect(results.first?.id == "p1" || results.first?.id == "p2")
            #expect(results.contains { $0.id == "d1" })
            // Passages holding every word rank above those holding some, however those weigh.
            let exact = try await index.keywordSearch("offline model", limit: 3)
            #expect(exact.first?.id == "s2")
        }
    }

    @Test func anyQueryTextIsSafe() async throws {
        try await withIndex { index, _, _ in
            try await indexSmallCorpus(index)
            for hostile in ["\"unterminated", "-", "a & | ! (", "'; DROP TABLE parley_doc_passages; --", "the of and",
                            "\\", "proxy:*", "<->", String(repeating: "x", count: 10_000), "   "] {
                _ = try await index.keywordSearch(hostile, limit: 5)
            }
            #expect(try await index.keywordSearch("the of and", limit: 5).isEmpty)
            #expect(try await index.passageCount() == 5)
            #expect(try await index.keywordSearch("\"egress proxy\"", limit: 5).first?.id == "d1")
        }
    }

    @Test func replacingAFileReplacesAllItsPassages() async throws {
        try await withIndex { index, _, _ in
            try await indexSmallCorpus(index)
            try await index.replace(file: file("setup.md", hash: "f2-new"), passages: [
                passage("s3", "setup.md", title: "Setup", headings: ["Setup"], text: "Kubernetes namespaces are described here."),
            ])
            #expect(try await index.passage(id: "s1") == nil)
            #expect(try await index.passage(id: "s3")?.text == "Kubernetes namespaces are described here.")
            #expect(try await index.keywordSearch("offline", limit: 5).isEmpty)
            #expect(try await index.keywordSearch("namespaces", limit: 5).map(\.id) == ["s3"])
            let files = try await index.files()
            #expect(files.map(\.path) == ["deploy.md", "proxy.md", "setup.md"])
            #expect(files.first { $0.path == "setup.md" }?.contentHash == "f2-new")
            #expect(files.first { $0.path == "setup.md" } == file("setup.md", hash: "f2-new"))

            try await index.remove(path: "proxy.md")
            try await index.remove(path: "never-indexed.md")
            #expect(try await index.files().map(\.path) == ["deploy.md", "setup.md"])
            #expect(try await index.passageCount() == 2)
            #expect(try await index.passage(id: "p1") == nil)

            try await index.replace(file: file("empty.md", hash: "f4"), passages: [])
            #expect(try await index.files().map(\.path).contains("empty.md"))
        }
    }

    @Test func replicasIndexAChangedFileOnce() async throws {
        let logs = LogCapture()
        try await withIndex(logs: logs) { first, settings, schema in
            let replicas = [first] + (0..<3).map { _ in makeIndex(settings, .init(), schema: schema, logs: logs) }
            let content = (0..<50).map { passage("r\($0)", "shared.md", title: "Shared", text: "paragraph \($0) about tokens") }
            try await withThrowingTaskGroup(of: Void.self) { group in
                for replica in replicas {
                    group.addTask { try await replica.replace(file: file("shared.md", hash: "same"), passages: content) }
                }
                try await group.waitForAll()
            }
            #expect(logs.lines(containing: "document indexed").count == 1)
            #expect(logs.lines(containing: "already indexed").count == 3)
            for replica in replicas {
                #expect(try await replica.passageCount() == 50)
                #expect(try await replica.keywordSearch("paragraph 7", limit: 1).first?.id == "r7")
            }
            for replica in replicas.dropFirst() { await replica.shutdown() }
        }
    }

    @Test func unknownTextSearchConfigurationIsExplained() async throws {
        try await withIndex(.init(textSearchConfiguration: "klingon")) { index, _, _ in
            let error = await #expect(throws: PostgresPassageIndexError.self) { try await index.prepare() }
            guard case .unknownTextSearchConfiguration(let name, let available)? = error else {
                Issue.record("unexpected \(String(describing: error))")
                return
            }
            #expect(name == "klingon")
            #expect(available.contains("english") && available.contains("simple"))
            #expect(error?.description.contains("pg_ts_config") == true)
        }
        #expect(!PostgresPassageIndexOptions.isWellFormedConfigurationName("english'; DROP"))
        #expect(!PostgresPassageIndexOptions.isWellFormedConfigurationName(""))
        #expect(PostgresPassageIndexOptions.isWellFormedConfigurationName("pg_catalog_english2"))
    }

    @Test func changingTheTextSearchConfigurationRebuildsTheSearchColumn() async throws {
        try await withIndex { english, settings, schema in
            try await indexSmallCorpus(english)
            #expect(try await english.keywordSearch("configuring", limit: 5).isEmpty == false)
            let simple = makeIndex(settings, .init(textSearchConfiguration: "simple"), schema: schema)
            try await simple.prepare()
            // "simple" does not stem: "configuring" no longer meets "configuration"; exact words still do.
            #expect(try await simple.keywordSearch("configuring", limit: 5).isEmpty)
            #expect(try await simple.keywordSearch("configuration", limit: 5).isEmpty == false)
            #expect(try await simple.passageCount() == 5)
            await simple.shutdown()
        }
    }

    @Test func embeddingsAreCachedByModelAndContentHash() async throws {
        // Claims lapse at once here, so every call sees the whole backlog (claims have their own test).
        try await withIndex(.init(embeddingModel: "text-embedding-3-small", embeddingClaim: .zero)) { index, settings, schema in
            try await indexSmallCorpus(index)
            #expect(try await index.passagesWithoutEmbedding(limit: 100).count == 5)
            let vectors: [String: [Float]] = ["hash-p1": [0.25, -0.5, 1], "hash-s1": [1, 0, 0], "hash-d1": [0.125, 0.5]]
            try await index.storeEmbeddings(vectors)
            #expect(try await index.embeddings(for: ["hash-p1", "hash-s1", "hash-d1", "hash-none"]) == vectors)
            let backlog = try await index.passagesWithoutEmbedding(limit: 100)
            #expect(Set(backlog.map(\.passage.id)) == ["p2", "s2"])
            #expect(backlog.first { $0.passage.id == "p2" }?.contentHash == "hash-p2")
            #expect(try await index.passagesWithoutEmbedding(limit: 1).count == 1)
            let stored = try await index.passageVectors()
            #expect(Set(stored.map(\.passageID)) == ["p1", "s1", "d1"])
            #expect(stored.first { $0.passageID == "p1" }?.vector == [0.25, -0.5, 1])

            // Replacing a vector; a passage moved to another file keeps its vector (same content hash).
            try await index.storeEmbeddings(["hash-p1": [9, 9, 9]])
            #expect(try await index.embeddings(for: ["hash-p1"])["hash-p1"] == [9, 9, 9])
            try await index.remove(path: "proxy.md")
            #expect(try await index.embeddings(for: ["hash-p1"])["hash-p1"] == [9, 9, 9])

            // Another model sees none of these vectors.
            let other = makeIndex(settings, .init(embeddingModel: "other-model"), schema: schema)
            #expect(try await other.embeddings(for: ["hash-s1"]).isEmpty)
            #expect(try await other.passageVectors().isEmpty)
            await other.shutdown()
        }
    }

    @Test func replicasEmbedDifferentPassages() async throws {
        try await withIndex(.init(embeddingModel: "m")) { first, settings, schema in
            try await indexSmallCorpus(first)
            let second = makeIndex(settings, .init(embeddingModel: "m"), schema: schema)
            let a = try await first.passagesWithoutEmbedding(limit: 3)
            let b = try await second.passagesWithoutEmbedding(limit: 3)
            #expect(a.count == 3)
            #expect(b.count == 2)
            #expect(Set(a.map(\.contentHash)).isDisjoint(with: b.map(\.contentHash)))
            // Everything is claimed now; vectors arrive for the first replica's share only.
            #expect(try await first.passagesWithoutEmbedding(limit: 10).isEmpty)
            try await first.storeEmbeddings(Dictionary(uniqueKeysWithValues: a.map { ($0.contentHash, [Float](repeating: 0.5, count: 4)) }))
            #expect(try await first.passageVectors().count == 3)
            // A replica that claimed and died: with lapsing claims, its share is handed out again.
            let lapsing = makeIndex(settings, .init(embeddingModel: "m", embeddingClaim: .zero), schema: schema)
            try await TestPostgres.execute("UPDATE \(schema).parley_doc_embedding_claims SET claimed_until = now() - interval '1 second'")
            #expect(Set(try await lapsing.passagesWithoutEmbedding(limit: 10).map(\.contentHash)) == Set(b.map(\.contentHash)))
            await second.shutdown()
            await lapsing.shutdown()
        }
    }

    @Test func aTouchedFileIsRecordedWithoutRewritingItsPassages() async throws {
        let logs = LogCapture()
        try await withIndex(logs: logs) { index, _, _ in
            try await indexSmallCorpus(index)
            var touched = file("deploy.md", hash: "f3")
            touched.modificationTime += 60
            try await index.replace(file: touched, passages: [])
            #expect(try await index.files().first { $0.path == "deploy.md" } == touched)
            #expect(try await index.passage(id: "d1") != nil)
            #expect(logs.lines(containing: "already indexed").count == 1)
        }
    }

    @Test func anUnreachableDatabaseIsExplained() async throws {
        var settings = try TestPostgres.settings()
        settings.port = 1  // nothing listens there
        let index = PostgresPassageIndex(settings: settings, options: .init(operationTimeout: .seconds(2)),
                                         password: { nil }, logger: TestPostgres.logger)
        let error = await #expect(throws: PostgresPassageIndexError.self) { try await index.keywordSearch("proxy", limit: 3) }
        #expect(await index.readiness()?.contains("unavailable") == true)
        #expect(error?.description.contains("unavailable") == true)
        #expect(error?.description.contains("127.0.0.1:1") == true || error?.description.contains("refused") == true,
                "the reason names what failed: \(String(describing: error))")
        await index.shutdown()
    }
}
