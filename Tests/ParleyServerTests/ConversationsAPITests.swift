import Foundation
import ParleyTestSupport
import Testing

/// Conversations belong to their user (issue 13): another user's session id is unknown (404 for
/// GET, PATCH, DELETE and /ask), `GET /sessions` lists one's own, newest first.
@Suite("Conversations that belong to their user")
struct ConversationsAPITests {
    private func ask(_ server: ServerHarness, _ user: String, _ question: String, session: String? = nil) async throws -> ServerHarness.Reply {
        try await server.request(.POST, "/ask", body: ServerHarness.askBody(question, session: session), headers: TestUsers.headers(user))
    }

    @Test func anotherUsersSessionIsNotFoundEverywhere() async throws {
        try await ServerHarness.run(identifyUser: TestUsers.identify) { server in
            let first = try await ask(server, "alice", "hello there")
            #expect(first.status == 200)
            let session = try #require(first.json["session_id"] as? String)

            let peek = try await server.request(.GET, "/sessions/\(session)", headers: TestUsers.headers("bob", json: false))
            #expect(peek.status == 404)
            #expect(peek.errorCode == "not_found")
            let rename = try await server.request(
                .PATCH, "/sessions/\(session)", body: #"{"title":"mine now"}"#, headers: TestUsers.headers("bob"))
            #expect(rename.status == 404)
            let remove = try await server.request(.DELETE, "/sessions/\(session)", headers: TestUsers.headers("bob", json: false))
            #expect(remove.status == 404)
            let hijack = try await ask(server, "bob", "what did alice say?", session: session)
            #expect(hijack.status == 404)
            #expect(hijack.errorCode == "not_found")
            // The same answer as for an id that never existed: nothing tells the two apart.
            let unknown = try await ask(server, "bob", "hi", session: "AAAAAAAAAAAAAAAAAAAAAA")
            #expect(unknown.status == 404)
            #expect(unknown.errorMessage == hijack.errorMessage)
            // Nor can an anonymous caller use it.
            #expect(try await server.request(.GET, "/sessions/\(session)", headers: []).status == 404)

            // Alice's conversation is untouched.
            let transcript = try await server.request(.GET, "/sessions/\(session)", headers: TestUsers.headers("alice", json: false))
            #expect(transcript.status == 200)
            let messages = try #require(transcript.json["messages"] as? [[String: Any]])
            #expect(messages.count == 2)
            #expect(try await ask(server, "alice", "and again", session: session).status == 200)
        }
    }

    @Test func listsRenamesAndDeletesOnesOwnConversations() async throws {
        let clock = ManualClock()
        try await ServerHarness.run(now: clock.closure, identifyUser: TestUsers.identify) { server in
            let long = "  Plan\tthe   team offsite in Lisbon for next spring, with a budget, a venue shortlist and travel options for everyone  "
            let older = try #require(try await ask(server, "alice", long).json["session_id"] as? String)
            clock.advance(by: 5)
            let newer = try #require(try await ask(server, "alice", "What is a monad?").json["session_id"] as? String)
            clock.advance(by: 5)
            _ = try await ask(server, "bob", "bob's question")

            let listed = try await server.request(.GET, "/sessions", headers: TestUsers.headers("alice", json: false))
            #expect(listed.status == 200)
            let sessions = try #require(listed.json["sessions"] as? [[String: Any]])
            #expect(sessions.map { $0["session_id"] as? String } == [newer, older])
            #expect(sessions[0]["title"] as? String == "What is a monad?")
            let title = try #require(sessions[1]["title"] as? String)
            #expect(title.hasPrefix("Plan the team offsite in Lisbon"))
            #expect(title.count <= 80)
            #expect(sessions[0]["updated_at"] is String && sessions[0]["created_at"] is String)

            // Paging with limit and the before cursor.
            let page = try await server.request(.GET, "/sessions?limit=1", headers: TestUsers.headers("alice", json: false))
            let cursor = try #require(page.json["next_before"] as? String)
            let rest = try await server.request(
                .GET, "/sessions?limit=1&before=\(cursor.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!)",
                headers: TestUsers.headers("alice", json: false))
            #expect((rest.json["sessions"] as? [[String: Any]])?.map { $0["session_id"] as? String } == [older])
            #expect(try await server.request(.GET, "/sessions?limit=0", headers: TestUsers.headers("alice", json: false)).status == 400)
            #expect(try await server.request(.GET, "/sessions?before=yesterday", headers: TestUsers.headers("alice", json: false)).status == 400)

            let renamed = try await server.request(
                .PATCH, "/sessions/\(older)", body: #"{"title":"  Lisbon offsite  "}"#, headers: TestUsers.headers("alice"))
            #expect(renamed.status == 200)
            #expect(renamed.json["title"] as? String == "Lisbon offsite")
            for bad in [#"{"title":"two\nlines"}"#, #"{"title":"   "}"#, #"{"name":"x"}"#, "not json", #"{"title":"\#(String(repeating: "x", count: 201))"}"#] {
                let refused = try await server.request(.PATCH, "/sessions/\(older)", body: bad, headers: TestUsers.headers("alice"))
                #expect(refused.status == 400, "\(bad)")
                #expect(refused.errorCode == "invalid_request")
            }
            let afterRename = try await server.request(.GET, "/sessions", headers: TestUsers.headers("alice", json: false))
            #expect((afterRename.json["sessions"] as? [[String: Any]])?.compactMap { $0["title"] as? String }.contains("Lisbon offsite") == true)

            #expect(try await server.request(.DELETE, "/sessions/\(newer)", headers: TestUsers.headers("alice", json: false)).status == 204)
            #expect(try await server.request(.GET, "/sessions/\(newer)", headers: TestUsers.headers("alice", json: false)).status == 404)
            #expect(try await server.request(.DELETE, "/sessions/\(newer)", headers: TestUsers.headers("alice", json: false)).status == 404)
            let finally = try await server.request(.GET, "/sessions", headers: TestUsers.headers("alice", json: false))
            #expect((finally.json["sessions"] as? [[String: Any]])?.count == 1)
            let bobs = try await server.request(.GET, "/sessions", headers: TestUsers.headers("bob", json: false))
            #expect((bobs.json["sessions"] as? [[String: Any]])?.map { $0["title"] as? String } == ["bob's question"])
        }
    }

    @Test func withoutSignInSessionsWorkAsBeforeAndThereIsNoList() async throws {
        try await ServerHarness.run { server in
            let first = try await server.ask("hello")
            let session = try #require(first.json["session_id"] as? String)
            #expect(try await server.ask("again", session: session).json["session_id"] as? String == session)
            // An unknown id still opens a new session for anonymous askers.
            let fresh = try await server.ask("hi", session: "AAAAAAAAAAAAAAAAAAAAAA")
            #expect(fresh.status == 200)
            #expect(fresh.json["session_id"] as? String != "AAAAAAAAAAAAAAAAAAAAAA")
            let list = try await server.request(.GET, "/sessions", headers: [])
            #expect(list.status == 404)
            #expect(list.errorCode == "not_found")
            #expect(try await server.transcript(session).count == 4)
            #expect(try await server.request(.DELETE, "/sessions/AAAAAAAAAAAAAAAAAAAAAA", headers: []).status == 204)
            #expect(try await server.request(.DELETE, "/sessions/\(session)", headers: []).status == 204)
            #expect(try await server.request(.GET, "/sessions/\(session)", headers: []).status == 404)
        }
    }
}
