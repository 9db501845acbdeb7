import Foundation
import NIOHTTP1
import ParleyTestSupport
import Testing

@Suite("Logs")
struct SecretsInLogsTests {
    @Test func oneLinePerRequestAndNoKeyOrQuestionInAnyLine() async throws {
        let question = "my-private-question-7f3a"
        try await ServerHarness.run(fakeOptions: .init()) { server in
            _ = try await server.ask(question)
            _ = try await server.ask("\(question) [[status:401]]")
            _ = try await server.ask("\(question) [[status:429]]")
            let stream = try await EventStreamReader.open(base: server.base, body: ServerHarness.askBody(question, stream: true))
            _ = try await stream.rest()
            _ = try await server.request(.POST, "/ask", body: "{not json \(question)")

            let lines = server.logs.lines
            #expect(!lines.isEmpty)
            #expect(server.logs.lines(containing: ServerHarness.apiKey).isEmpty)
            #expect(server.logs.lines(containing: question).isEmpty)
            #expect(server.logs.lines(containing: "Echo:").isEmpty, "an answer reached the log")
            let requestLines = lines.filter { $0.contains(": request ") && $0.contains("path=/ask") }
            #expect(requestLines.count == 5)
            #expect(requestLines.allSatisfy { $0.contains("status=") && $0.contains("duration_ms=") && $0.contains("hb.request.id=") })
            #expect(requestLines.contains { $0.contains("deployment=gpt-35-turbo") && $0.contains("prompt_tokens=") })
        }
    }
}
