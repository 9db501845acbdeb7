import AsyncHTTPClient
import Foundation
import NIOCore
import NIOEmbedded
@testable import ParleyServer
import ParleyTestSupport
import Testing

/// Production traffic (issue 9): hundreds of concurrent streams through an HTTP/1.1 upstream,
/// keep-alive connections that live for hours, clients that stall, and load beyond capacity.
@Suite("Holding real traffic")
struct RealTrafficTests {
    /// A client that may open as many connections as the test has streams.
    static func wideClient(connections: Int) -> HTTPClient {
        var configuration = HTTPClient.Configuration()
        configuration.connectionPool = .init(idleTimeout: .seconds(30), concurrentHTTP1ConnectionsPerHostSoftLimit: connections)
        configuration.timeout = .init(connect: .seconds(10), read: .seconds(60))
        return HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }

    @Test func fiveHundredConcurrentStreamsThroughASlowHTTP1UpstreamAllComplete() async throws {
        // Each answer: 12 words, 100 ms apart (~1.3 s). With AsyncHTTPClient's default of 8
        // connections per host, 500 of them would take ~80 s and most would time out.
        let words = (1...12).map { "w\($0)" }.joined(separator: " ")
        let options = FakeAzureOpenAI.Options(chunkDelay: .milliseconds(100))
        try await ServerHarness.run(environment: ["PARLEY_REQUEST_TIMEOUT": "60"], fakeOptions: options) { server in
            let client = Self.wideClient(connections: 600)
            let started = ContinuousClock.now
            let finished = try await withThrowingTaskGroup(of: Bool.self) { group in
                for index in 0..<500 {
                    group.addTask {
                        let reader = try await EventStreamReader.open(
                            base: server.base, body: ServerHarness.askBody("[[say:\(words)]] \(index)", stream: true),
                            timeout: .seconds(60), client: client)
                        let events = try await reader.rest()
                        return events.last?.name == "done" && (events.last?.data["answer"] as? String) == words
                    }
                }
                var completed = 0
                for try await ok in group where ok { completed += 1 }
                return completed
            }
            let elapsed = ContinuousClock.now - started
            try await client.shutdown()
            #expect(finished == 500, "only \(finished) of 500 streams completed")
            // Generous for a busy 2-core CI machine, far below the ~80 s a pool of 8 would need.
            #expect(elapsed < .seconds(40), "500 streams took \(elapsed)")
        }
    }

    @Test func aKeepAliveConnectionKeepsNothingOfItsFinishedRequests() async throws {
        try await ServerHarness.run(fakeOptions: .init(chunkDelay: .zero)) { server in
            let client = Self.wideClient(connections: 1)
            for index in 0..<1000 {
                var request = HTTPClientRequest(url: server.base + "/ask")
                request.method = .POST
                request.headers.add(name: "Content-Type", value: "application/json")
                request.body = .bytes(ByteBuffer(string: ServerHarness.askBody("hello \(index)")))
                let response = try await client.execute(request, timeout: .seconds(30))
                _ = try await response.body.collect(upTo: 1 << 20)
                #expect(response.status == .ok)
            }
            // One connection served all 1000 (other tests' connections served far fewer); its watch
            // holds no work of any of them.
            let watch = try #require(ConnectionWatch.watchedConnectionsForTesting.first { $0.workServed >= 1000 })
            #expect(watch.pendingWork == 0)
            try await client.shutdown()
        }
    }

    /// What a finished request's work produced is released while its connection stays open
    /// (the close watcher used to hold every request's task until the connection closed).
    @Test func finishedWorkIsNotReferencedWhileTheConnectionStaysOpen() async throws {
        final class Answer: Sendable {}
        let channel = NIOAsyncTestingChannel()
        try await channel.connect(to: .init(ipAddress: "127.0.0.1", port: 1))
        var weakAnswers: [WeakBox] = []
        for _ in 0..<1000 {
            let answer = try await ClientDisconnect.cancelling(on: channel) { Answer() }
            weakAnswers.append(WeakBox(answer))
        }
        #expect(weakAnswers.allSatisfy { $0.value == nil }, "finished requests' results are still referenced")
        #expect(ConnectionWatch.of(channel).pendingWork == 0)
        // Closing the connection cancels work in flight, and the watch leaves with it.
        let watched = Task { try await ClientDisconnect.cancelling(on: channel) { try await Task.sleep(for: .seconds(30)) } }
        try await Task.sleep(for: .milliseconds(50))
        try await channel.close()
        await #expect(throws: CancellationError.self) { try await watched.value }
    }

    final class WeakBox {
        weak var value: AnyObject?
        init(_ value: AnyObject) { self.value = value }
    }

    @Test func aBodyThatDoesNotArriveGets408() async throws {
        try await ServerHarness.run(environment: ["PARLEY_BODY_TIMEOUT": "1"]) { server in
            let connection = try RawConnection(port: server.port)
            let started = ContinuousClock.now
            try connection.send(
                "POST /ask HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"question\":")
            let (reply, closed) = await connection.readUntilClosed()
            #expect(closed, "the connection stayed open after: \(reply)")
            #expect(reply.hasPrefix("HTTP/1.1 408"), "\(reply)")
            #expect(reply.contains("\"request_timeout\""))
            #expect(ContinuousClock.now - started < .seconds(8))
        }
    }

    @Test func anIdleConnectionIsClosed() async throws {
        try await ServerHarness.run(environment: ["PARLEY_IDLE_TIMEOUT": "1"]) { server in
            // A connection that never sends a request.
            let silent = try RawConnection(port: server.port)
            let silence = await silent.readUntilClosed()
            #expect(silence == ("", true), "a silent connection was not closed")
            // A keep-alive connection after its response.
            let used = try RawConnection(port: server.port)
            try used.send("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            let (reply, closed) = await used.readUntilClosed()
            #expect(closed, "an idle keep-alive connection was not closed")
            #expect(reply.hasPrefix("HTTP/1.1 200"))
        }
    }

    @Test func pastMaxActiveAnswersAQuestionIsShedAtOnceWithRetryAfter() async throws {
        try await ServerHarness.run(environment: ["PARLEY_MAX_ACTIVE_ANSWERS": "10"], fakeOptions: .init()) { server in
            let client = Self.wideClient(connections: 20)
            var readers: [EventStreamReader] = []
            for index in 0..<10 {
                // Answers that do not end until their client leaves.
                let reader = try await EventStreamReader.open(
                    base: server.base, body: ServerHarness.askBody("[[hang]] \(index)", stream: true), client: client)
                #expect(try await reader.next()?.name == "session")
                readers.append(reader)
            }
            let started = ContinuousClock.now
            let shed = try await server.ask("one too many")
            #expect(ContinuousClock.now - started < .seconds(5), "the 11th question waited instead of being shed")
            #expect(shed.status == 503)
            #expect(shed.errorCode == "overloaded")
            #expect(Int(shed.headers.first(name: "Retry-After") ?? "") ?? 0 >= 1)
            let metrics = try await server.request(.GET, "/metrics", headers: [])
            #expect(metrics.body.contains("parley_shed_requests_total 1"), "\(metrics.body)")
            // The ten clients leave; their slots are free again.
            readers.removeAll()
            try await client.shutdown()
            var status = 0
            for _ in 0..<50 where status != 200 {
                try await Task.sleep(for: .milliseconds(100))
                status = try await server.ask("room again").status
            }
            #expect(status == 200)
        }
    }

    @Test func anEndlessAnswerIsCutWithFinishReasonLength() async throws {
        try await ServerHarness.run(environment: ["PARLEY_MAX_ANSWER_CHARS": "5000"], fakeOptions: .init()) { server in
            let reply = try await server.ask("[[endless]] go on")
            #expect(reply.status == 200)
            #expect((reply.json["answer"] as? String)?.count == 5000)
            #expect(reply.json["finish_reason"] as? String == "length")
            // The upstream request was cancelled, not read to its (non-existent) end.
            try await Task.sleep(for: .milliseconds(500))
            #expect(await server.fake?.requests.last?.cancelled == true)
            // Streams end the same way: a normal `done` with the reason.
            let reader = try await EventStreamReader.open(
                base: server.base, body: ServerHarness.askBody("[[endless]] again", stream: true))
            let done = try #require(try await reader.rest().last)
            #expect(done.name == "done")
            #expect(done.data["finish_reason"] as? String == "length")
            #expect((done.data["answer"] as? String)?.count == 5000)
        }
    }

    @Test func aClientThatLeavesAJSONAnswerIs499NotA500() async throws {
        try await ServerHarness.run(fakeOptions: .init()) { server in
            let body = ServerHarness.askBody("[[hang]] wait for me")
            do {
                let connection = try RawConnection(port: server.port)
                try connection.send(
                    "POST /ask HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)")
                // Leave only once the question has reached the upstream.
                for _ in 0..<100 where await server.fake?.requests.isEmpty ?? true {
                    try await Task.sleep(for: .milliseconds(50))
                }
            }  // the connection closes here, with the answer still pending
            var metrics = ""
            for _ in 0..<50 where !metrics.contains("status=\"499\"") {
                try await Task.sleep(for: .milliseconds(100))
                metrics = try await server.request(.GET, "/metrics", headers: []).body
            }
            #expect(metrics.contains(#"parley_http_requests_total{route="/ask",method="POST",status="499"} 1"#), "\(metrics)")
            #expect(!metrics.contains("status=\"500\""))
            #expect(server.logs.lines(containing: "internal_error").isEmpty)
            var cancelled = false
            for _ in 0..<50 where !cancelled {
                cancelled = await server.fake?.requests.last?.cancelled == true
                if !cancelled { try await Task.sleep(for: .milliseconds(100)) }
            }
            #expect(cancelled, "the upstream request was not cancelled")
        }
    }

    @Test func answersSayTheirFinishReason() async throws {
        try await ServerHarness.run(fakeOptions: .init()) { server in
            let reply = try await server.ask("hello")
            #expect(reply.json["finish_reason"] as? String == "stop")
        }
    }
}
