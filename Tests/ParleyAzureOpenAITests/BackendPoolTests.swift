import AsyncHTTPClient
import Foundation
import ParleyAzureOpenAI
import ParleyOutbound
import ParleyTestSupport
import Synchronization
import Testing

/// Three fake Azure OpenAI resources on loopback behind one `BackendPool` (issue 15). Time in the
/// pool is a `ManualClock`: cooldowns and open breakers end when the test moves it, never by sleeping.
@Suite("Several backends: priority groups, 429 failover, circuit breaker")
struct BackendPoolTests {
    /// The fakes' names in the pool's logs and metrics are `127.0.0.1:PORT/gpt-4`.
    struct Rig: Sendable {
        let fakes: [FakeAzureOpenAI]
        let pool: BackendPool
        let clock: ManualClock
        let logs: LogCapture

        func ask(_ question: String = "hello there") async -> StreamResult {
            let events = Mutex<[ChatCompletionEvent]>([])
            var result = StreamResult()
            do {
                try await pool.streamChatCompletion(
                    ChatCompletionRequest(deployment: "chat", messages: [ChatCompletionMessage(role: "user", content: question)])
                ) { event in events.withLock { $0.append(event) } }
            } catch {
                result.error = error
            }
            result.events = events.withLock { $0 }
            return result
        }

        func count(_ index: Int) async -> Int { await fakes[index].requests.count }

        func state(_ index: Int) -> BackendState? {
            pool.states().first { $0.backend == "127.0.0.1:\(fakes[index].port)/gpt-4" }?.state
        }
    }

    /// - Parameters:
    ///   - layout: (priority, weight) per fake, primary first.
    ///   - endpoints: replaces a fake's endpoint (a closed port for the breaker test).
    static func withRig(
        _ layout: [(priority: Int, weight: Int)] = [(1, 1), (2, 1), (3, 1)],
        directives: [String] = ["", "", ""],
        endpoints: [Int: String] = [:],
        policy: BackendFailurePolicy = BackendFailurePolicy(),
        requestTimeout: Duration = .seconds(60),
        now: (@Sendable () -> Date)? = nil,
        _ body: (Rig) async throws -> Void
    ) async throws {
        var fakes: [FakeAzureOpenAI] = []
        for index in layout.indices {
            var options = FakeAzureOpenAI.Options(chunkDelay: .zero)
            options.directives = directives[index]
            fakes.append(try await FakeAzureOpenAI.start(options: options))
        }
        // AHC reports a refused connection only when the connect timeout ends (1.37): short for a closed
        // port, generous for the fakes (tests run in parallel on few cores).
        func client(connect: Duration) -> HTTPClient {
            var httpConfiguration = HTTPClient.Configuration()
            httpConfiguration.timeout = .init(connect: connect.timeAmount, read: .seconds(10))
            return HTTPClient(eventLoopGroupProvider: .singleton, configuration: httpConfiguration)
        }
        let httpClient = client(connect: .seconds(10))
        let refusingClient = client(connect: .milliseconds(300))
        let logs = LogCapture()
        let clock = ManualClock()
        var backends: [AzureBackend] = []
        for (index, fake) in fakes.enumerated() {
            var configuration = AzureOpenAIConfiguration(endpoint: endpoints[index] ?? fake.endpoint, maxRetries: 0)
            configuration.requestTimeout = requestTimeout
            let client = AzureOpenAIClient(
                configuration: configuration, httpClient: OutboundHTTPClient(wrapping: endpoints[index] == nil ? httpClient : refusingClient),
                authenticator: APIKeyAuthenticator(key: "key-\(index)-secret"), logger: logs.logger(label: "aoai"))
            backends.append(AzureBackend(client: client, deployment: "gpt-4", priority: layout[index].priority, weight: layout[index].weight))
        }
        let pool = BackendPool(
            backends: ["chat": backends], policy: policy, requestTimeout: requestTimeout, logger: logs.logger(label: "pool"),
            now: now ?? clock.closure)
        let rig = Rig(fakes: fakes, pool: pool, clock: clock, logs: logs)
        var failure: (any Error)?
        do {
            try await body(rig)
        } catch {
            failure = error
        }
        try? await httpClient.shutdown()
        try? await refusingClient.shutdown()
        for fake in fakes { try? await fake.shutdown() }
        if let failure { throw failure }
        for index in fakes.indices {
            #expect(logs.lines(containing: "key-\(index)-secret").isEmpty, "an API key reached the log")
        }
    }

    @Test func aThrottledPrimaryIsSkippedUntilItsRetryAfterHasPassed() async throws {
        try await Self.withRig(directives: ["[[status:429]][[retry_after:10]]", "", ""]) { rig in
            let started = ContinuousClock.now
            let first = await rig.ask()
            #expect(first.error == nil, "\(String(describing: first.error))")
            #expect(first.text == "Echo: hello there")
            #expect(ContinuousClock.now - started < .seconds(2), "the pool waited instead of moving on")
            let primaryCount = await rig.count(0)
            let secondaryCount = await rig.count(1)
            #expect(primaryCount == 1)
            #expect(secondaryCount == 1)
            #expect(rig.state(0) == .cooling)

            await rig.fakes[0].setDirectives("")  // healthy again, but still cooling for Parley
            for _ in 0..<3 { #expect(await rig.ask().error == nil) }
            rig.clock.advance(by: 9)
            #expect(await rig.ask().error == nil)
            #expect(await rig.count(0) == 1, "the primary got a request while cooling")
            #expect(await rig.count(1) == 5)

            rig.clock.advance(by: 1.5)
            #expect(rig.state(0) == .closed)
            #expect(await rig.ask().error == nil)
            #expect(await rig.count(0) == 2, "the primary did not get traffic back after its cooldown")
            #expect(await rig.count(1) == 5)
            #expect(await rig.count(2) == 0)
            #expect(!rig.logs.lines(containing: "Azure OpenAI answer served").isEmpty)
            #expect(!rig.logs.lines(containing: "127.0.0.1:\(rig.fakes[1].port)/gpt-4").isEmpty, "the log does not name the backend")
        }
    }

    @Test func everyBackendCoolingAnswers429WithTheShortestRetryAfter() async throws {
        try await Self.withRig(
            directives: ["[[status:429]][[retry_after:30]]", "[[status:429]][[retry_after_ms:12000]]", "[[status:429]][[retry_after:20]]"],
            requestTimeout: .seconds(5)
        ) { rig in
            let first = await rig.ask()
            #expect(first.azureError?.kind == .rateLimited)
            #expect(first.azureError?.status == 429)
            #expect(first.azureError?.retryAfterSeconds == 12)
            for index in 0..<3 { #expect(await rig.count(index) == 1) }

            rig.clock.advance(by: 2)
            let second = await rig.ask()
            #expect(second.azureError?.retryAfterSeconds == 10)
            for index in 0..<3 { #expect(await rig.count(index) == 1, "a cooling backend got a request") }
        }
    }

    @Test func everyBackendCoolingBrieflyWaitsForTheFirstWithinTheDeadline() async throws {
        // Real time here: the wait itself is what is tested, and it is 300 ms.
        try await Self.withRig(
            directives: ["[[status:429:1]][[retry_after_ms:300]]", "[[status:429:1]][[retry_after_ms:300]]", "[[status:429:1]][[retry_after_ms:300]]"],
            requestTimeout: .seconds(10), now: { Date() }
        ) { rig in
            let answer = await rig.ask()
            #expect(answer.error == nil, "\(String(describing: answer.error))")
            #expect(answer.text == "Echo: hello there")
        }
    }

    @Test func aPrimaryRefusingConnectionsOpensItsBreakerThenOneTrialClosesIt() async throws {
        // Held (bound, never listening) so that no fake of a test running in parallel takes it.
        let reserved = try ReservedPort()
        let closedPort = reserved.port
        let policy = BackendFailurePolicy(failureThreshold: 3, failureWindow: .seconds(60), openDuration: .seconds(30))
        try await Self.withRig([(1, 1), (2, 1)], directives: ["", ""], endpoints: [0: reserved.endpoint], policy: policy) { rig in
            let primary = "127.0.0.1:\(closedPort)/gpt-4"
            func failuresAtPrimary() -> Int {
                rig.logs.lines(containing: "trying the next one").filter { $0.contains(primary) }.count
            }
            for _ in 0..<3 {
                let answer = await rig.ask()
                #expect(answer.error == nil, "\(String(describing: answer.error))")
            }
            #expect(failuresAtPrimary() == 3)
            #expect(rig.pool.states().first { $0.backend == primary }?.state == .open)
            #expect(!rig.logs.lines(containing: "circuit breaker opened").isEmpty)

            // Open: no traffic to the primary at all.
            for _ in 0..<5 { #expect(await rig.ask().error == nil) }
            #expect(failuresAtPrimary() == 3, "traffic reached the primary while its breaker was open")
            #expect(await rig.count(1) == 8)

            // The primary comes back on its port; after the open duration one trial goes there and closes the breaker.
            var options = FakeAzureOpenAI.Options(chunkDelay: .zero)
            options.port = closedPort
            reserved.release()
            let revived = try await FakeAzureOpenAI.start(options: options)
            rig.clock.advance(by: 29)
            #expect(await rig.ask().error == nil)
            #expect(await revived.requests.count == 0, "the trial came before the open duration ended")
            rig.clock.advance(by: 2)
            #expect(rig.pool.isUsable(deployment: "chat"))
            #expect(await rig.ask().error == nil)
            #expect(await revived.requests.count == 1, "no trial request after the open duration")
            #expect(rig.pool.states().first { $0.backend == primary }?.state == .closed)
            for _ in 0..<3 { #expect(await rig.ask().error == nil) }
            #expect(await revived.requests.count == 4, "the closed breaker does not take traffic")
            #expect(await rig.count(1) == 9)
            try await revived.shutdown()
        }
    }

    @Test func weightsThreeToOneInsideAGroupShareTheAnswers() async throws {
        try await Self.withRig([(1, 3), (1, 1), (2, 1)]) { rig in
            let total = 2000
            try await withThrowingTaskGroup(of: Void.self) { group in
                for worker in 0..<16 {
                    group.addTask {
                        for _ in stride(from: worker, to: total, by: 16) {
                            let answer = await rig.ask("hi")
                            if let error = answer.error { throw error }
                        }
                    }
                }
                try await group.waitForAll()
            }
            let heavy = await rig.count(0)
            let light = await rig.count(1)
            #expect(heavy + light == total)
            #expect(await rig.count(2) == 0, "the second priority group took traffic")
            let share = Double(heavy) / Double(total)
            #expect(abs(share - 0.75) <= 0.05, "weight 3 of 4 got \(share)")
        }
    }

    @Test func aStreamThatFailedAfterItsFirstDeltaIsNotRetriedElsewhere() async throws {
        try await Self.withRig(directives: ["[[reset]]", "", ""]) { rig in
            let answer = await rig.ask("a long answer with several words in it")
            #expect(answer.error != nil)
            #expect(!answer.deltas.isEmpty, "the primary should have sent a few words first")
            #expect(await rig.count(1) == 0, "the answer moved to another backend after a delta")
            #expect(await rig.count(2) == 0)
        }
    }

    @Test func serverErrorsMoveTheAnswerButOtherRefusalsDoNot() async throws {
        try await Self.withRig(directives: ["[[status:503]]", "", ""]) { rig in
            #expect(await rig.ask().error == nil)
            #expect(await rig.count(0) == 1)
            #expect(await rig.count(1) == 1)
        }
        try await Self.withRig(directives: ["[[content_filter]]", "", ""]) { rig in
            let answer = await rig.ask()
            #expect(answer.azureError?.kind == .contentFilter)
            #expect(await rig.count(1) == 0, "a 400 moved the answer")
            #expect(rig.state(0) == .closed)
        }
    }
}
