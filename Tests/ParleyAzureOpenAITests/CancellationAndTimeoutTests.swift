import ParleyAzureOpenAI
import ParleyTestSupport
import Testing

@Suite struct CancellationAndTimeoutTests {
    @Test func cancellingTheConsumerCancelsTheUpstreamRequestWithinASecond() async throws {
        try await Harness.with { harness in
            let (firstDelta, firstDeltaSeen) = AsyncStream<Void>.makeStream()
            let stream = harness.client.streamChatCompletion(
                .init(deployment: "gpt-4", messages: [.init(role: "user", content: "[[slow]] go")]))
            let consumer = Task {
                var count = 0
                for try await event in stream {
                    if case .delta = event { count += 1; firstDeltaSeen.yield() }
                }
                return count
            }
            var waiter = firstDelta.makeAsyncIterator()
            await waiter.next()
            let cancelledAt = ContinuousClock.now
            consumer.cancel()
            let records = try await harness.waitForRequests(timeout: .seconds(1)) { $0.first?.cancelled == true }
            #expect(records.first?.cancelled == true, "the fake did not see the client go away within 1 s")
            #expect(records.first?.completed == false)
            #expect(ContinuousClock.now - cancelledAt < .seconds(1))
            _ = try? await consumer.value
        }
    }

    @Test func cancellingWhileUpstreamIsSilentCancelsItToo() async throws {
        // Nothing is yielded here, so only the stream's termination handler can stop the upstream call.
        try await Harness.with { harness in
            let stream = harness.client.streamChatCompletion(
                .init(deployment: "gpt-4", messages: [.init(role: "user", content: "[[hang]]")]))
            let consumer = Task { for try await _ in stream {} }
            _ = try await harness.waitForRequests { $0.count == 1 }
            try await Task.sleep(for: .milliseconds(100))
            let cancelledAt = ContinuousClock.now
            consumer.cancel()
            let records = try await harness.waitForRequests(timeout: .seconds(1)) { $0.first?.cancelled == true }
            #expect(records.first?.cancelled == true, "the fake did not see the client go away within 1 s")
            #expect(ContinuousClock.now - cancelledAt < .seconds(1))
            _ = try? await consumer.value
        }
    }

    @Test func droppingTheStreamCancelsTheUpstreamRequest() async throws {
        try await Harness.with { harness in
            do {
                let stream = harness.client.streamChatCompletion(
                    .init(deployment: "gpt-4", messages: [.init(role: "user", content: "[[slow]] go")]))
                for try await event in stream {
                    if case .delta = event { break }  // leaves the loop: the stream is dropped
                }
            }
            let records = try await harness.waitForRequests(timeout: .seconds(1)) { $0.first?.cancelled == true }
            #expect(records.first?.cancelled == true)
        }
    }

    @Test func hangingStreamHitsTheWholeRequestDeadline() async throws {
        try await Harness.with(configure: { $0.requestTimeout = .milliseconds(600) }) { harness in
            let started = ContinuousClock.now
            let result = await harness.collect("[[hang]]")
            let elapsed = ContinuousClock.now - started
            let error = try #require(result.azureError)
            #expect(error.kind == .upstreamTimeout)
            #expect(error.message.contains("whole-request timeout"))
            // The fake never ends the stream: anything well short of forever is the deadline at work
            // (a generous ceiling, so a busy 2-core CI machine running other suites cannot fail it).
            #expect(elapsed >= .milliseconds(600) && elapsed < .seconds(8))
            let records = try await harness.waitForRequests(timeout: .seconds(1)) { $0.first?.cancelled == true }
            #expect(records.first?.cancelled == true)
            #expect(records.count == 1)
        }
    }

    @Test func slowResponseHeadHitsTheFirstByteTimeout() async throws {
        try await Harness.with(configure: {
            $0.firstByteTimeout = .milliseconds(300)
            $0.maxRetries = 0
        }) { harness in
            let started = ContinuousClock.now
            let result = await harness.collect("[[head_delay:20000]] hi")
            let error = try #require(result.azureError)
            #expect(error.kind == .upstreamTimeout)
            #expect(error.message.contains("did not start answering"))
            // Far below the fake's 20 s head delay, with room for a busy CI machine.
            #expect(ContinuousClock.now - started < .seconds(10))
        }
    }

    @Test func firstByteTimeoutIsRetriedWhileTheDeadlineAllows() async throws {
        try await Harness.with(configure: {
            $0.firstByteTimeout = .milliseconds(200)
            $0.maxRetries = 1
        }) { harness in
            let result = await harness.collect("[[head_delay:2000]] hi")
            #expect(result.azureError?.kind == .upstreamTimeout)
            #expect(result.azureError?.message.contains("2 attempts") == true)
        }
    }
}
