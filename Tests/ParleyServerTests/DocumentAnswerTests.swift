import Foundation
import NIOHTTP1
import ParleyTestSupport
import Testing

/// Answers from a folder of documents (issue 14), end to end: the real application with the real
/// SQLite FTS5 index (ParleyDocuments) over a temporary folder, asked over HTTP.
@Suite("Answers from the team's documents")
struct DocumentAnswerTests {
    /// A small documents folder, a secret file beside it, and a symlink inside pointing at the secret.
    struct Folder {
        let root: URL
        let docs: URL
        static let secret = "zanzibar-secret-4711"

        init() throws {
            root = FileManager.default.temporaryDirectory.appendingPathComponent("parley-docs-\(UUID().uuidString)")
            docs = root.appendingPathComponent("docs")
            try FileManager.default.createDirectory(at: docs.appendingPathComponent("guides"), withIntermediateDirectories: true)
            try """
                # Setup

                ## Sign in

                Run az login before make run. Parley takes its token from the Azure CLI and refreshes it itself.

                ## Roles

                The Cognitive Services OpenAI User role is needed on the resource. Role assignments take up to 30 minutes.
                """.write(to: docs.appendingPathComponent("setup.md"), atomically: true, encoding: .utf8)
            try """
                # Deployment

                Apply the manifests with kubectl apply -f release. The pod needs the workload identity label.
                """.write(to: docs.appendingPathComponent("guides/deploy.md"), atomically: true, encoding: .utf8)
            try Data([0, 1, 2, 255, 0, 7]).write(to: docs.appendingPathComponent("blob.txt"))
            let outside = root.appendingPathComponent("secret.md")
            try "# Secret\n\n\(Self.secret) lives outside the documents folder.".write(to: outside, atomically: true, encoding: .utf8)
            try FileManager.default.createSymbolicLink(at: docs.appendingPathComponent("link.md"), withDestinationURL: outside)
        }

        func remove() { try? FileManager.default.removeItem(at: root) }
    }

    private func withDocuments(
        _ extra: [String: String] = [:], fake: FakeAzureOpenAI.Options? = nil, _ body: @Sendable (ServerHarness) async throws -> Void
    ) async throws {
        let folder = try Folder()
        defer { folder.remove() }
        try await ServerHarness.run(environment: ["PARLEY_DOCS_DIR": folder.docs.path].merging(extra) { $1 }, fakeOptions: fake) { server in
            try await Self.waitUntilIndexed(server)
            try await body(server)
        }
    }

    /// Polls /readyz until the first index is complete (it takes milliseconds for this folder).
    static func waitUntilIndexed(_ server: ServerHarness) async throws {
        for _ in 0..<500 {
            let ready = try await server.request(.GET, "/readyz", headers: [])
            if ready.status == 200, (ready.json["documents"] as? [String: Any])?["state"] as? String == "ok" { return }
            try await Task.sleep(for: .milliseconds(20))
        }
        Issue.record("the documents were not indexed within 10 s")
    }

    @Test func offlineTheAnswerQuotesThePassagesAndCitesThem() async throws {
        try await withDocuments { server in
            #expect(try await server.request(.GET, "/config", headers: []).json["documents"] as? Bool == true)
            let ready = try await server.request(.GET, "/readyz", headers: [])
            let documents = try #require(ready.json["documents"] as? [String: Any])
            #expect(documents["files"] as? Int == 2)
            #expect((documents["passages"] as? Int ?? 0) >= 3)
            #expect(documents["skipped"] as? Int == 2)  // the binary file and the symlink leading outside

            let reply = try await server.ask("How long do role assignments take?")
            #expect(reply.status == 200)
            let answer = try #require(reply.json["answer"] as? String)
            #expect(answer.contains("offline mode"))
            #expect(answer.contains("Role assignments take up to 30 minutes. [1]"))
            let citations = try #require(reply.json["citations"] as? [[String: Any]])
            let first = try #require(citations.first)
            #expect(first["n"] as? Int == 1)
            #expect(first["path"] as? String == "setup.md")
            #expect(first["title"] as? String == "Setup")
            #expect((first["heading"] as? String)?.hasSuffix("Roles") == true)
            #expect((first["snippet"] as? String)?.contains("Cognitive Services OpenAI User") == true)
            let url = try #require(first["url"] as? String)
            #expect(url.hasPrefix("/documents/"))

            let passage = try await server.request(.GET, url, headers: [])
            #expect(passage.status == 200)
            #expect(passage.json["path"] as? String == "setup.md")
            #expect((passage.json["text"] as? String)?.contains("Role assignments take up to 30 minutes.") == true)
            #expect(passage.json["headings"] as? [String] == (first["heading"] as? String)?.components(separatedBy: " › "))
            let start = try #require(passage.json["line_start"] as? Int)
            let end = try #require(passage.json["line_end"] as? Int)
            #expect(1 <= start && start <= end && end <= 9)

            let metrics = try await server.request(.GET, "/metrics", headers: [])
            func gauge(_ name: String) -> Double? {
                metrics.body.split(separator: "\n").first { $0.hasPrefix(name + " ") }.flatMap { Double($0.split(separator: " ")[1]) }
            }
            #expect(gauge("parley_documents_files") == 2)
            #expect(gauge("parley_documents_skipped") == 2)
            #expect((gauge("parley_documents_passages") ?? 0) >= 3)
        }
    }

    @Test func aRestoredConversationHasItsAnswersCitations() async throws {
        try await withDocuments { server in
            let reply = try await server.ask("How long do role assignments take?")
            let sessionID = try #require(reply.json["session_id"] as? String)
            let given = try #require(reply.json["citations"] as? [[String: Any]])
            let unmatched = try await server.ask("Explain quantum chromodynamics gluon confinement", session: sessionID)
            #expect((unmatched.json["citations"] as? [Any])?.isEmpty == true)

            let transcript = try await server.request(.GET, "/sessions/\(sessionID)", headers: [])
            #expect(transcript.status == 200)
            let messages = try #require(transcript.json["messages"] as? [[String: Any]])
            #expect(messages.map { $0["role"] as? String } == ["user", "assistant", "user", "assistant"])
            // The answer given documents: the same objects as the /ask answer's `citations`.
            let restored = try #require(messages[1]["citations"] as? [[String: Any]])
            func fields(_ citations: [[String: Any]]) -> [String] {
                citations.map { citation in
                    ["n", "title", "path", "heading", "snippet", "url"].map { "\(citation[$0] ?? "-")" }.joined(separator: "|")
                }
            }
            #expect(!given.isEmpty && fields(restored) == fields(given))
            #expect(restored.first.map { Set($0.keys) } == ["n", "title", "path", "heading", "snippet", "url"])
            // Questions, and answers that had no passages, look as before: no key at all.
            #expect(messages[0]["citations"] == nil && messages[2]["citations"] == nil && messages[3]["citations"] == nil)
            #expect(transcript.body.components(separatedBy: "\"citations\"").count == 2)

            let url = try #require(restored.first?["url"] as? String)
            #expect(try await server.request(.GET, url, headers: []).status == 200)
        }
    }

    @Test func theStreamSendsCitationsBeforeTheFirstDelta() async throws {
        try await withDocuments { server in
            let stream = try await EventStreamReader.open(
                base: server.base, body: ServerHarness.askBody("What does the pod need for workload identity?", stream: true))
            let events = try await stream.rest()
            let names = events.map(\.name)
            #expect(names.first == "session")
            #expect(names.dropFirst().first == "citations")
            #expect(names.last == "done")
            #expect(names.dropFirst(2).dropLast().allSatisfy { $0 == "delta" } && names.count > 4)
            let citations = try #require(events[1].data["citations"] as? [[String: Any]])
            #expect(citations.first?["path"] as? String == "guides/deploy.md")
            let answer = try #require(events.last?.data["answer"] as? String)
            #expect(answer.contains("[1]"))
        }
    }

    @Test func theModelGetsNumberedPassagesWithinTheContextBudget() async throws {
        try await withDocuments(["PARLEY_CONTEXT_TOKENS": "100"], fake: FakeAzureOpenAI.Options()) { server in
            let reply = try await server.ask("[[say:Sign in with az login [1].]] How do I sign in with az login?")
            #expect(reply.status == 200)
            #expect(reply.json["answer"] as? String == "Sign in with az login [1].")
            let citations = try #require(reply.json["citations"] as? [[String: Any]])
            #expect(!citations.isEmpty)
            let request = try #require(await server.fake?.requests.last)
            let system = try #require(request.messages.first { $0.role == "system" }?.content)
            #expect(system.contains("cite each statement"))
            #expect(system.contains("[1] Setup"))
            #expect(system.contains("Run az login before make run."))
            // The passages stay within their own budget (about 4 characters a token).
            let documents = try #require(system.components(separatedBy: "Documents:").last)
            #expect(documents.count <= 100 * 4)
            #expect(citations.count == documents.components(separatedBy: "\n\n[").count - 1)
        }
    }

    @Test func withAnEmbeddingsDeploymentPassagesAreEmbeddedAndRetrievalIsFused() async throws {
        try await withDocuments(["PARLEY_EMBEDDING_DEPLOYMENT": "text-embedding-3-small"], fake: FakeAzureOpenAI.Options()) { server in
            let reply = try await server.ask("[[say:Use kubectl apply [1].]] How do I apply the manifests?")
            #expect(reply.status == 200)
            let citations = try #require(reply.json["citations"] as? [[String: Any]])
            #expect(citations.first?["path"] as? String == "guides/deploy.md")
            let embedded = try #require(await server.fake?.embeddingRequests)
            #expect(embedded.allSatisfy { $0.deployment == "text-embedding-3-small" && $0.status == 200 })
            let inputs = embedded.flatMap(\.inputs)
            #expect(inputs.contains { $0.contains("kubectl apply -f release") }, "the passages were embedded")
            #expect(inputs.contains { $0.contains("How do I apply the manifests?") }, "the question was embedded")
            #expect(!server.logs.lines(containing: "retrieval=fused").isEmpty || !server.logs.lines(containing: "fused").isEmpty)
        }
    }

    @Test(arguments: [
        "/documents/..", "/documents/%2e%2e", "/documents/..%2F..%2Fsecret.md", "/documents/%2Fetc%2Fpasswd",
        "/documents/link.md", "/documents/..%2Fsecret.md", "/documents/%2E%2E%2F%2E%2E%2Fetc%2Fpasswd",
        "/documents/" + String(repeating: "a", count: 129), "/documents/does-not-exist", "/documents/setup.md",
    ])
    func theDocumentEndpointReadsOnlyTheIndex(path: String) async throws {
        try await withDocuments { server in
            let reply = try await server.request(.GET, path, headers: [])
            #expect(reply.status == 404)
            #expect(reply.errorCode == "not_found")
            #expect(!reply.body.contains(Folder.secret))
            // Nothing of the secret behind the symlink was indexed either.
            let asked = try await server.ask("Where does \(Folder.secret) live?")
            #expect(!asked.body.contains("lives outside"))
        }
    }

    @Test func pathsOutsideTheRouteAreNotDocuments() async throws {
        try await withDocuments { server in
            for path in ["/documents/../../etc/passwd", "/documents/a/b", "/documents//etc/passwd", "/documents/"] {
                let reply = try await server.request(.GET, path, headers: [])
                // Raw ".." segments are refused by the HTTP layer before routing (400); the rest are unknown (404).
                #expect([400, 404].contains(reply.status), "\(path)")
                #expect(!reply.body.contains("root:"), "\(path)")
            }
        }
    }

    @Test func anIndexThatCannotBeOpenedLeavesAnswersUngroundedNotFailed() async throws {
        let folder = try Folder()
        defer { folder.remove() }
        // The index file's place is taken by a folder: SQLite cannot open it.
        let data = folder.root.appendingPathComponent("data")
        try FileManager.default.createDirectory(at: data.appendingPathComponent("documents.sqlite"), withIntermediateDirectories: true)
        try await ServerHarness.run(environment: ["PARLEY_DOCS_DIR": folder.docs.path, "PARLEY_DATA_DIR": data.path]) { server in
            var ready = try await server.request(.GET, "/readyz", headers: [])
            for _ in 0..<250 where (ready.json["documents"] as? [String: Any])?["state"] as? String != "failed" {
                try await Task.sleep(for: .milliseconds(20))
                ready = try await server.request(.GET, "/readyz", headers: [])
            }
            #expect(ready.status == 200)
            #expect((ready.json["documents"] as? [String: Any])?["state"] as? String == "failed")
            let reply = try await server.ask("How long do role assignments take?")
            #expect(reply.status == 200)
            #expect(reply.json["citations"] as? [Any] != nil && (reply.json["citations"] as? [Any])?.isEmpty == true)
            #expect(!server.logs.lines(containing: "the index could not be opened").isEmpty)
            #expect(!server.logs.lines(containing: "answering without documents (ungrounded)").isEmpty)
        }
    }

    @Test func withoutDocumentsAnswersLookAsBefore() async throws {
        try await ServerHarness.run { server in
            let reply = try await server.ask("Hello?")
            #expect(reply.status == 200)
            #expect(reply.json["citations"] == nil)
            let ready = try await server.request(.GET, "/readyz", headers: [])
            #expect(ready.json["documents"] == nil)
            #expect(try await server.request(.GET, "/config", headers: []).json["documents"] == nil)
            let stream = try await EventStreamReader.open(base: server.base, body: ServerHarness.askBody("Hello?", stream: true))
            let events = try await stream.rest()
            #expect(!events.contains { $0.name == "citations" })
            #expect(try await server.request(.GET, "/documents/abc", headers: []).status == 404)
        }
    }
}

/// The same answers with the index in PostgreSQL (`PARLEY_DOCS_STORE=postgres`), against the test
/// cluster of `make test` (`PARLEY_TEST_POSTGRES_URL`); skipped without one, except under CI=true.
@Suite("Answers from the team's documents, index in PostgreSQL")
struct PostgresDocumentAnswerTests {
    static let url = ProcessInfo.processInfo.environment["PARLEY_TEST_POSTGRES_URL"].flatMap { $0.isEmpty ? nil : $0 }
    static let enabled = url != nil || ProcessInfo.processInfo.environment["CI"] == "true"

    @Test(.enabled(if: enabled, "PARLEY_TEST_POSTGRES_URL is not set: eval \"$(scripts/test-postgres.sh start)\""))
    func theSharedIndexAnswersWithCitations() async throws {
        let url = try #require(Self.url, "CI=true needs PARLEY_TEST_POSTGRES_URL (scripts/test-postgres.sh start)")
        let folder = try DocumentAnswerTests.Folder()
        defer { folder.remove() }
        let environment = [
            "PARLEY_DOCS_DIR": folder.docs.path, "PARLEY_DOCS_STORE": "postgres", "PARLEY_DOCS_LANGUAGE": "english",
            "PARLEY_SESSION_STORE": "postgres", "PARLEY_POSTGRES_URL": url,
        ]
        try await ServerHarness.run(environment: environment) { server in
            try await DocumentAnswerTests.waitUntilIndexed(server)
            let reply = try await server.ask("How long do role assignments take?")
            #expect(reply.status == 200)
            let citations = try #require(reply.json["citations"] as? [[String: Any]])
            #expect(citations.first?["path"] as? String == "setup.md")
            #expect((reply.json["answer"] as? String)?.contains("Role assignments take up to 30 minutes. [1]") == true)
            let url = try #require(citations.first?["url"] as? String)
            let passage = try await server.request(.GET, url, headers: [])
            #expect(passage.status == 200)
            #expect(passage.json["path"] as? String == "setup.md")
            #expect(try await server.request(.GET, "/documents/..%2Fsecret.md", headers: []).status == 404)
        }
    }
}
