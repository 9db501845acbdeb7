import Foundation
import ParleyTestSupport
import Testing

/// Conversations belong to their user (issue 13): another user's session id is unknown (404 for
/// GET, PATCH, DELETE and /ask), `GET /sessions` lists one's own, newest first. Each person signs
/// in for real: a bearer token from the fake Entra, checked by Parley's sign-in middleware.
@Suite("Conversations that belong to their user")
struct ConversationsAPITests {
    private func ask(_ signedIn: SignedInServer, _ user: String, _ question: String, session: String? = nil) async throws -> ServerHarness.Reply {
        try await signedIn.server.request(.POST, "/ask", body: ServerHarness.askBody(question, session: session), headers: signedIn.headers(user))
    }

    @Test func anotherUsersSessionIsNotFoundEverywhere() async throws {
        try await SignedInServer.run { signedIn in
            let server = signedIn.server
            let first = try await ask(signedIn, "alice", "hello there")
            #expect(first.status == 200)
            let session = try #require(first.json["session_id"] as? String)

            let peek = try await server.request(.GET, "/sessions/\(session)", headers: signedIn.headers("bob", json: false))
            #expect(peek.status == 404)
            #expect(peek.errorCode == "not_found")
            let rename = try await server.request(
                .PATCH, "/sessions/\(session)", body: #"{"title":"mine now"}"#, headers: signedIn.headers("bob"))
            #expect(rename.status == 404)
            let remove = try await server.request(.DELETE, "/sessions/\(session)", headers: signedIn.headers("bob", json: false))
            #expect(remove.status == 404)
            let hijack = try await ask(signedIn, "bob", "what did alice say?", session: session)
            #expect(hijack.status == 404)
            #expect(hijack.errorCode == "not_found")
            // The same answer as for an id that never existed: nothing tells the two apart.
            let unknown = try await ask(signedIn, "bob", "hi", session: "AAAAAAAAAAAAAAAAAAAAAA")
            #expect(unknown.status == 404)
            #expect(unknown.errorMessage == hijack.errorMessage)
            // Nor can an anonymous caller use it: with sign-in on, nobody unsigned gets past the gate.
            let anonymous = try await server.request(.GET, "/sessions/\(session)", headers: [])
            #expect(anonymous.status == 401)
            #expect(anonymous.errorCode == "unauthenticated")

            // Alice's conversation is untouched.
            let transcript = try await server.request(.GET, "/sessions/\(session)", headers: signedIn.headers("alice", json: false))
            #expect(transcript.status == 200)
            let messages = try #require(transcript.json["messages"] as? [[String: Any]])
            #expect(messages.count == 2)
            #expect(try await ask(signedIn, "alice", "and again", session: session).status == 200)
        }
    }

    @Test func listsRenamesAndDeletesOnesOwnConversations() async throws {
        let clock = ManualClock()
        try await SignedInServer.run(clock: clock) { signedIn in
            let server = signedIn.server
            let long = "  Plan\tthe   team offsite in Lisbon for next spring, with a budget, a venue shortlist and travel options for everyone  "
            let older = try #require(try await ask(signedIn, "alice", long).json["session_id"] as? String)
            clock.advance(by: 5)
            let newer = try #require(try await ask(signedIn, "alice", "What is a monad?").json["session_id"] as? String)
            clock.advance(by: 5)
            _ = try await ask(signedIn, "bob", "bob's question")

            let config = try await server.request(.GET, "/config", headers: signedIn.headers("alice", json: false))
            #expect(config.json["conversation_list"] as? Bool == true)
            let listed = try await server.request(.GET, "/sessions", headers: signedIn.headers("alice", json: false))
            #expect(listed.status == 200)
            let sessions = try #require(listed.json["sessions"] as? [[String: Any]])
            #expect(sessions.map { $0["session_id"] as? String } == [newer, older])
            #expect(sessions[0]["title"] as? String == "What is a monad?")
            let title = try #require(sessions[1]["title"] as? String)
            #expect(title.hasPrefix("Plan the team offsite in Lisbon"))
            #expect(title.count <= 80)
            #expect(sessions[0]["updated_at"] is String && sessions[0]["created_at"] is String)

            // Paging with limit and the before cursor.
            let page = try await server.request(.GET, "/sessions?limit=1", headers: signedIn.headers("alice", json: false))
            let cursor = try #require(page.json["next_before"] as? String)
            let rest = try await server.request(
                .GET, "/sessions?limit=1&before=\(cursor.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!)",
                headers: signedIn.headers("alice", json: false))
            #expect((rest.json["sessions"] as? [[String: Any]])?.map { $0["session_id"] as? String } == [older])
            #expect(try await server.request(.GET, "/sessions?limit=0", headers: signedIn.headers("alice", json: false)).status == 400)
            #expect(try await server.request(.GET, "/sessions?before=yesterday", headers: signedIn.headers("alice", json: false)).status == 400)

            let renamed = try await server.request(
                .PATCH, "/sessions/\(older)", body: #"{"title":"  Lisbon offsite  "}"#, headers: signedIn.headers("alice"))
            #expect(renamed.status == 200)
            #expect(renamed.json["title"] as? String == "Lisbon offsite")
            for bad in [#"{"title":"two\nlines"}"#, #"{"title":"   "}"#, #"{"name":"x"}"#, "not json", #"{"title":"\#(String(repeating: "x", count: 201))"}"#] {
                let refused = try await server.request(.PATCH, "/sessions/\(older)", body: bad, headers: signedIn.headers("alice"))
                #expect(refused.status == 400, "\(bad)")
                #expect(refused.errorCode == "invalid_request")
            }
            let afterRename = try await server.request(.GET, "/sessions", headers: signedIn.headers("alice", json: false))
            #expect((afterRename.json["sessions"] as? [[String: Any]])?.compactMap { $0["title"] as? String }.contains("Lisbon offsite") == true)

            #expect(try await server.request(.DELETE, "/sessions/\(newer)", headers: signedIn.headers("alice", json: false)).status == 204)
            #expect(try await server.request(.GET, "/sessions/\(newer)", headers: signedIn.headers("alice", json: false)).status == 404)
            #expect(try await server.request(.DELETE, "/sessions/\(newer)", headers: signedIn.headers("alice", json: false)).status == 404)
            let finally = try await server.request(.GET, "/sessions", headers: signedIn.headers("alice", json: false))
            #expect((finally.json["sessions"] as? [[String: Any]])?.count == 1)
            let bobs = try await server.request(.GET, "/sessions", headers: signedIn.headers("bob", json: false))
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
            #expect(try await server.request(.GET, "/config", headers: []).json["conversation_list"] as? Bool == false)
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
