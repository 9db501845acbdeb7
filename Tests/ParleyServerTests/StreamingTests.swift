import AsyncHTTPClient
import Foundation
import NIOHTTP1
import ParleyTestSupport
import Testing

@Suite("POST /ask: event streams")
struct StreamingTests {
    @Test func eventsComeInContractOrderWithTheContractHeaders() async throws {
        try await ServerHarness.run(fakeOptions: .init()) { server in
            let stream = try await EventStreamReader.open(base: server.base, body: ServerHarness.askBody("Tell me a story", stream: true))
            #expect(stream.response.status.code == 200)
            #expect(stream.response.headers.first(name: "Content-Type")?.hasPrefix("text/event-stream") == true)
            #expect(stream.response.headers.first(name: "Cache-Control") == "no-cache, no-transform")
            #expect(stream.response.headers.first(name: "X-Accel-Buffering") == "no")
            let events = try await stream.rest()
            #expect(events.first?.name == "session")
            #expect(events.first?.data["deployment"] as? String == "gpt-35-turbo")
            #expect((events.first?.data["session_id"] as? String)?.count == 22)
            let deltas = events.dropFirst().dropLast()
            #expect(deltas.count >= 3)
            #expect(deltas.allSatisfy { $0.name == "delta" })
            let last = try #require(events.last)
            #expect(last.name == "done")
            let answer = deltas.compactMap(\.text).joined()
            #expect(last.data["answer"] as? String == answer)
            #expect(answer.hasPrefix("Echo: Tell me a story"))
            #expect(last.data["usage"] is [String: Int])
        }
    }

    @Test func deltasArriveBeforeTheUpstreamFinishes() async throws {
        try await ServerHarness.run(fakeOptions: .init(slowChunkDelay: .milliseconds(150))) { server in
            let stream = try await EventStreamReader.open(base: server.base, body: ServerHarness.askBody("[[slow]] go", stream: true))
            _ = try await stream.next()  // session
            let firstDelta = try #require(try await stream.next())
            #expect(firstDelta.name == "delta")
            // The upstream is still sending: the fake has not completed its answer yet.
            let upstream = try #require(await server.fake?.requests.last)
            #expect(upstream.completed == false)
            let rest = try await stream.rest()
            #expect(rest.last?.name == "done")
            #expect(rest.last!.arrivedAt - firstDelta.arrivedAt > .seconds(1))
        }
    }

    @Test func aClientThatDisconnectsCancelsTheUpstreamAndKeepsThePartialAnswer() async throws {
        try await ServerHarness.run(fakeOptions: .init(slowChunkDelay: .milliseconds(200))) { server in
            let reader = Task {
                let stream = try await EventStreamReader.open(base: server.base, body: ServerHarness.askBody("[[slow]] long answer", stream: true))
                let session = try #require(try await stream.next()?.data["session_id"] as? String)
                var received = ""
                while received.split(separator: " ").count < 3, let event = try await stream.next() {
                    received += event.text ?? ""
                }
                return (session, received)
            }
            let (session, received) = try await reader.value
            // Leaving the task dropped the response body: AsyncHTTPClient closes the connection.
            let deadline = ContinuousClock.now + .seconds(1)
            var cancelled = false
            while ContinuousClock.now < deadline {
                if await server.fake?.requests.last?.cancelled == true { cancelled = true; break }
                try await Task.sleep(for: .milliseconds(20))
            }
            #expect(cancelled, "the upstream request was not cancelled within a second")
            // The question and what had been delivered are kept.
            var transcript: [[String: String]] = []
            for _ in 0..<50 {
                transcript = try await server.transcript(session)
                if transcript.count == 2 { break }
                try await Task.sleep(for: .milliseconds(20))
            }
            #expect(transcript.first?["content"] == "[[slow]] long answer")
            let kept = try #require(transcript.last?["content"])
            #expect(kept.hasPrefix(received))
            #expect(!kept.isEmpty)
        }
    }

    @Test func aSecondQuestionInABusySessionGets409() async throws {
        try await ServerHarness.run(fakeOptions: .init(slowChunkDelay: .milliseconds(100))) { server in
            let stream = try await EventStreamReader.open(base: server.base, body: ServerHarness.askBody("[[slow]] first", stream: true))
            let session = try #require(try await stream.next()?.data["session_id"] as? String)
            let busy = try await server.ask("second", session: session)
            #expect(busy.status == 409)
            #expect(busy.errorCode == "session_busy")
            let busyStream = try await server.request(.POST, "/ask", body: ServerHarness.askBody("third", session: session, stream: true))
            #expect(busyStream.status == 409)
            _ = try await stream.rest()
            // Once answered, the session takes questions again, and only answered turns were kept.
            let after = try await server.ask("fourth", session: session)
            #expect(after.status == 200)
            #expect(try await server.transcript(session).compactMap { $0["content"] }.filter { $0 == "second" || $0 == "third" }.isEmpty)
        }
    }

    @Test func aWaitingStreamGetsPingComments() async throws {
        try await ServerHarness.run(environment: ["PARLEY_SSE_PING_SECONDS": "1"], fakeOptions: .init(slowChunkDelay: .milliseconds(700))) { server in
            let stream = try await EventStreamReader.open(base: server.base, body: ServerHarness.askBody("[[slow]] wait", stream: true))
            var events = 0
            while stream.comments.isEmpty, events < 200, try await stream.next() != nil { events += 1 }
            #expect(stream.comments.contains(": ping"))
        }
    }

    @Test func anUpstreamErrorEndsTheStreamWithOneErrorEvent() async throws {
        try await ServerHarness.run(fakeOptions: .init()) { server in
            let stream = try await EventStreamReader.open(base: server.base, body: ServerHarness.askBody("[[status:429]] hi", stream: true))
            let events = try await stream.rest()
            #expect(events.map(\.name) == ["session", "error"])
            #expect(events.last?.data["code"] as? String == "rate_limited")
            #expect((events.last?.data["retry_after"] as? Int ?? 0) >= 1)
        }
    }

    @Test func acceptHeaderAloneSelectsStreaming() async throws {
        try await ServerHarness.run(fakeOptions: .init()) { server in
            let stream = try await EventStreamReader.open(base: server.base, body: ServerHarness.askBody("no flag"))
            let events = try await stream.rest()
            #expect(events.first?.name == "session")
            #expect(events.last?.name == "done")
        }
    }
}
