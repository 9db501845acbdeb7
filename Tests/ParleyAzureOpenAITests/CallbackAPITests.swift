import ParleyAzureOpenAI
import ParleyTestSupport
import Testing

/// The callback form runs in the caller's task and yields exactly what the stream form yields.
@Suite struct CallbackAPITests {
    @TaskLocal static var marker: String?

    @Test func callbackYieldsTheSameEventsAsTheStreamInTheCallersTask() async throws {
        try await Harness.with { harness in
            let request = ChatCompletionRequest(deployment: "gpt-4", messages: [.init(role: "user", content: "one two")])
            let streamed = await Harness.collect(harness.client.streamChatCompletion(request))
            var events: [ChatCompletionEvent] = []
            var markers: Set<String?> = []
            try await Self.$marker.withValue("caller") {
                try await harness.client.streamChatCompletion(request) { event in
                    events.append(event)  // a plain local: no Sendable closure needed
                    markers.insert(Self.marker)
                }
            }
            #expect(streamed.error == nil)
            #expect(events == streamed.events)
            #expect(markers == ["caller"])
            #expect(events.last == .finished(reason: "stop"))
        }
    }

    @Test func anErrorFromTheCallbackEndsTheCallAndTheUpstreamRequest() async throws {
        struct Enough: Error {}
        try await Harness.with { harness in
            let request = ChatCompletionRequest(deployment: "gpt-4", messages: [.init(role: "user", content: "[[slow]] go")])
            await #expect(throws: Enough.self) {
                try await harness.client.streamChatCompletion(request) { event in
                    if case .delta = event { throw Enough() }
                }
            }
            let records = try await harness.waitForRequests(timeout: .seconds(1)) { $0.first?.cancelled == true }
            #expect(records.first?.cancelled == true)
            #expect(records.count == 1, "the caller's error is not a transport failure to retry")
        }
    }

    @Test func callbackErrorsAreAzureErrors() async throws {
        try await Harness.with(configure: { $0.maxRetries = 0 }) { harness in
            let request = ChatCompletionRequest(deployment: "gpt-4", messages: [.init(role: "user", content: "[[status:500]] hi")])
            await #expect(throws: AzureOpenAIError.self) {
                try await harness.client.streamChatCompletion(request) { _ in }
            }
        }
    }

    @Test(arguments: ["stop", "length", "content_filter"])
    func theFinishReasonIsReportedLast(reason: String) async throws {
        try await Harness.with { harness in
            let result = await harness.collect("[[finish:\(reason)]] hi")
            #expect(result.error == nil)
            #expect(result.finishReasons == [reason])
            #expect(result.events.last == .finished(reason: reason))
        }
    }
}
