import Foundation
import NIOHTTP1
import Testing

@Suite("Offline mode: no endpoint configured")
struct OfflineModeTests {
    @Test func answersPlainlyAndShowsThatMemoryWorks() async throws {
        try await ServerHarness.run { server in
            let config = try await server.request(.GET, "/config", headers: [])
            #expect(config.json["mode"] as? String == "offline")
            #expect(try await server.request(.GET, "/readyz", headers: []).status == 200)

            let first = try await server.ask("What is our leave policy?")
            #expect(first.status == 200)
            let answer = try #require(first.json["answer"] as? String)
            #expect(answer.contains("offline mode"))
            #expect(answer.contains("OPENAI_API_BASE"))
            #expect(first.json["usage"] is NSNull)
            let session = try #require(first.json["session_id"] as? String)

            let stream = try await EventStreamReader.open(
                base: server.base, body: ServerHarness.askBody("And the travel policy?", session: session, stream: true))
            let events = try await stream.rest()
            #expect(events.filter { $0.name == "delta" }.count > 10)
            let done = try #require(events.last)
            #expect(done.name == "done")
            #expect((done.data["answer"] as? String)?.contains("What is our leave policy?") == true)
        }
    }
}
