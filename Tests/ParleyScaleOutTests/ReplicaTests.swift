import Foundation
import ParleyTestSupport
import Testing

/// Several `parley serve` processes sharing one PostgreSQL, as replicas behind a LoadBalancer.
@Suite("Replicas sharing PostgreSQL", .enabled(if: TestDatabase.enabled, TestDatabase.skipReason), .serialized)
struct ReplicaTests {
    static let apiKey = "scale-out-test-key"

    private func environment(_ fake: FakeAzureOpenAI, url: String) -> [String: String] {
        [
            "OPENAI_API_BASE": fake.endpoint, "OPENAI_API_KEY": Self.apiKey, "DEPLOYMENT_NAME": "gpt-35-turbo",
            "PARLEY_SESSION_STORE": "postgres", "PARLEY_POSTGRES_URL": url,
        ]
    }

    @Test func aConversationContinuesOnAnotherReplicaAndIsBusyAcrossThem() async throws {
        let server = try TestDatabase.server()
        let database = try await TestDatabase.create(on: server)
        let fake = try await FakeAzureOpenAI.start(options: .init(apiKey: Self.apiKey, slowChunkDelay: .milliseconds(40)))
        let env = environment(fake, url: server.url(database: database))
        let a = try await ParleyProcess.start(environment: env)
        let b = try await ParleyProcess.start(environment: env)
        defer {
            a.stop()
            b.stop()
        }

        let first = try await a.ask("my name is Ada")
        #expect(first.status == 200, "\(first.json) \(a.log)")
        let session = try #require(first.json["session_id"] as? String)
        let second = try await b.ask("what is my name?", session: session)
        #expect(second.status == 200)
        #expect(second.json["session_id"] as? String == session)
        // B sent A's turn to the model: the fake received the history.
        let lastRequest = try #require(await fake.requests.last)
        #expect(lastRequest.messages.contains { $0.content == "my name is Ada" })

        // A question in flight on A makes the session busy on B.
        let stream = try await a.openStream("[[slow]] tell me a long story", session: session)
        let busy = try await b.ask("and another thing", session: session)
        #expect(busy.status == 409)
        #expect((busy.json["error"] as? [String: Any])?["code"] as? String == "session_busy")
        #expect(try await stream.until("done") != nil)

        // Once it ended, B continues, and both replicas show the same three turns.
        let third = try await b.ask("thanks", session: session)
        #expect(third.status == 200)
        for replica in [a, b] {
            let history = try await replica.request("GET", "/sessions/\(session)")
            let messages = try #require(history.json["messages"] as? [[String: Any]])
            #expect(messages.compactMap { $0["role"] as? String == "user" ? $0["content"] as? String : nil } == [
                "my name is Ada", "what is my name?", "[[slow]] tell me a long story", "thanks",
            ])
        }
        try await fake.shutdown()
        await TestDatabase.drop(database, on: server)
    }

    @Test func severalReplicasCreateTheSchemaAtOnce() async throws {
        let server = try TestDatabase.server()
        let database = try await TestDatabase.create(on: server)
        let fake = try await FakeAzureOpenAI.start(options: .init(apiKey: Self.apiKey))
        let env = environment(fake, url: server.url(database: database))
        let replicas = try await withThrowingTaskGroup(of: ParleyProcess.self) { group in
            for _ in 0..<4 { group.addTask { try await ParleyProcess.start(environment: env) } }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        defer { replicas.forEach { $0.stop() } }
        try await withThrowingTaskGroup(of: Int.self) { group in
            for replica in replicas { group.addTask { try await replica.ask("hello").status } }
            for try await status in group { #expect(status == 200) }
        }
        for replica in replicas {
            #expect(try await replica.request("GET", "/readyz").status == 200)
            #expect(!replica.log.contains("error"), "\(replica.log)")
        }
        try await fake.shutdown()
        await TestDatabase.drop(database, on: server)
    }
}
