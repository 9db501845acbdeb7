import AsyncHTTPClient
import Foundation
import NIOHTTP1
import ParleyTestSupport
import Testing

@Suite("POST /ask: memory and sessions")
struct AskMemoryTests {
    @Test func remembersEarlierTurnsWithinASessionAndIsolatesSessions() async throws {
        try await ServerHarness.run(fakeOptions: .init()) { server in
            let first = try await server.ask("What is the capital of France?")
            #expect(first.status == 200)
            let session = try #require(first.json["session_id"] as? String)
            #expect(first.headers.first(name: "X-Session-Id") == session)
            #expect(first.json["deployment"] as? String == "gpt-35-turbo")
            let usage = try #require(first.json["usage"] as? [String: Int])
            #expect(usage["total_tokens"] == (usage["prompt_tokens"] ?? 0) + (usage["completion_tokens"] ?? 0))

            let second = try await server.ask("And of Spain?", session: session)
            #expect(second.json["session_id"] as? String == session)
            #expect((second.json["answer"] as? String)?.contains("What is the capital of France?") == true)

            // Another session knows nothing of the first.
            let other = try await server.ask("Who am I talking to?")
            #expect(other.json["session_id"] as? String != session)
            #expect((other.json["answer"] as? String)?.contains("France") == false)

            let upstream = try #require(await server.fake?.requests.last { $0.lastUserMessage == "And of Spain?" })
            #expect(upstream.messages.map(\.role) == ["system", "user", "assistant", "user"])

            let transcript = try await server.transcript(session)
            #expect(transcript.map { $0["role"] ?? "" } == ["user", "assistant", "user", "assistant"])
            #expect(transcript.first?["content"] == "What is the capital of France?")
        }
    }

    @Test func sendsOnlyTheNewestWholeTurnsThatFitTheHistoryBudget() async throws {
        // Each turn here costs about 2 × (chars/4 + 3) ≈ 40 estimated tokens; 100 keeps two of them.
        try await ServerHarness.run(environment: ["PARLEY_HISTORY_TOKENS": "100"], fakeOptions: .init()) { server in
            var session: String?
            for index in 1...5 {
                let reply = try await server.ask("question number \(index) with some padding", session: session)
                session = reply.json["session_id"] as? String
            }
            _ = try await server.ask("final question", session: session)
            let last = try #require(await server.fake?.requests.last)
            let users = last.messages.filter { $0.role == "user" }.map(\.content)
            #expect(last.messages.first?.role == "system")
            #expect(users.last == "final question")
            #expect(users.count < 6)
            #expect(users.count >= 2)
            // The oldest turns went first: what was kept is the newest, in order.
            #expect(users.dropLast().last == "question number 5 with some padding")
        }
    }

    @Test func neverAdoptsAClientChosenSessionID() async throws {
        try await ServerHarness.run(fakeOptions: .init()) { server in
            let chosen = "AAAAAAAAAAAAAAAAAAAAAA"  // well-formed, but never issued
            let reply = try await server.ask("hello", session: chosen)
            let issued = try #require(reply.json["session_id"] as? String)
            #expect(issued != chosen)
            #expect(issued.count == 22)
            #expect(try await server.request(.GET, "/sessions/\(chosen)", headers: []).status == 404)
        }
    }

    @Test func sessionsCanBeReadAndDeleted() async throws {
        try await ServerHarness.run(fakeOptions: .init()) { server in
            let session = try #require(try await server.ask("remember me").json["session_id"] as? String)
            #expect(try await server.request(.GET, "/sessions/\(session)", headers: []).status == 200)
            #expect(try await server.request(.DELETE, "/sessions/\(session)", headers: []).status == 204)
            let gone = try await server.request(.GET, "/sessions/\(session)", headers: [])
            #expect(gone.status == 404)
            #expect(gone.errorCode == "not_found")
            #expect(try await server.request(.DELETE, "/sessions/unknown-session", headers: []).status == 204)
            // A deleted session's id starts a fresh session.
            let fresh = try await server.ask("again", session: session)
            #expect(fresh.json["session_id"] as? String != session)
        }
    }

    @Test func aChosenDeploymentIsUsedAndAnUnknownOneIsRefused() async throws {
        try await ServerHarness.run(fakeOptions: .init()) { server in
            let reply = try await server.ask("hi", deployment: "gpt-4")
            #expect(reply.json["deployment"] as? String == "gpt-4")
            #expect(await server.fake?.requests.last?.deployment == "gpt-4")
            let unknown = try await server.ask("hi", deployment: "gpt-5")
            #expect(unknown.status == 400)
            #expect(unknown.errorCode == "invalid_request")
            #expect(unknown.errorMessage?.contains("gpt-5") == true)
        }
    }

    @Test func anUpstreamFailureLeavesHistoryUnchanged() async throws {
        try await ServerHarness.run(fakeOptions: .init()) { server in
            let session = try #require(try await server.ask("first").json["session_id"] as? String)
            let failed = try await server.ask("[[status:500]] second", session: session)
            #expect(failed.status == 502)
            #expect(try await server.transcript(session).count == 2)
        }
    }
}
