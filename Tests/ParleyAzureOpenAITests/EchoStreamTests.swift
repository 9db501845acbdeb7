import ParleyAzureOpenAI
import ParleyTestSupport
import Testing

/// The fake's scripted streams, through the client.
@Suite struct EchoStreamTests {
    @Test func echoArrivesInSeveralDeltasThenUsageThenStop() async throws {
        try await Harness.with { harness in
            let result = await harness.collect("tell me something nice")
            #expect(result.error == nil)
            #expect(result.text == "Echo: tell me something nice")
            #expect(result.deltas.count == 5)
            let usage = try #require(result.usage)
            #expect(usage.completionTokens == 5 && usage.totalTokens == usage.promptTokens + 5)
            #expect(result.events.last == .finished(reason: "stop"))
            #expect(result.finishReasons.count == 1)
            let records = try await harness.waitForRequests { $0.first?.completed == true }
            #expect(records.count == 1 && records[0].completed && !records[0].cancelled)
        }
    }

    @Test func sayAnswersExactlyTheText() async throws {
        try await Harness.with { harness in
            let text = "**bold**  <script>alert(1)</script> [link](javascript:x) ]] done"
            let result = await harness.collect("[[say:\(text)]]")
            #expect(result.text == text)
            #expect(result.deltas.count > 3)
        }
    }

    @Test func garbageEventIsSkippedWithoutCrashing() async throws {
        try await Harness.with { harness in
            let result = await harness.collect("[[garbage]] one two three")
            #expect(result.error == nil)
            #expect(result.text == "Echo: one two three")
            #expect(result.finishReasons == ["stop"])
            #expect(harness.logs.lines(containing: "unparseable event").count == 1)
            #expect(harness.logs.lines(containing: "cut off").isEmpty)
        }
    }

    @Test func endOfStreamWithoutDoneIsAcceptedAfterTheFinishEvent() async throws {
        try await Harness.with { harness in
            let result = await harness.collect("[[no_done]] bye")
            #expect(result.error == nil)
            #expect(result.text == "Echo: bye")
            #expect(result.finishReasons == ["stop"])
        }
    }

    @Test func filteredStreamFinishesWithContentFilter() async throws {
        try await Harness.with { harness in
            let result = await harness.collect("[[filtered_stream]] a b c d e f")
            #expect(result.error == nil)
            #expect(!result.text.isEmpty)
            #expect(result.finishReasons == ["content_filter"])
        }
    }

    @Test func streamErrorEventFailsTheCall() async throws {
        try await Harness.with { harness in
            let result = await harness.collect("[[stream_error]] x y z")
            #expect(result.azureError?.kind == .upstreamError)
            #expect(!result.text.isEmpty)
            #expect(await harness.fake.requests.count == 1)
        }
    }

    @Test func successWithoutAnEventStreamIsAnError() async throws {
        try await Harness.with { harness in
            let result = await harness.collect("[[not_sse]] hi")
            let error = try #require(result.azureError)
            #expect(error.kind == .upstreamError)
            #expect(error.message.contains("without an event stream (application/json)"))
            #expect(result.events.isEmpty)
        }
    }
}
