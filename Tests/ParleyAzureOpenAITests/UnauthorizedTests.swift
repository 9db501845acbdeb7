import ParleyAzureOpenAI
import ParleyTestSupport
import Synchronization
import Testing

/// A 401 leads to one refresh-and-retry only where a new credential can help.
@Suite struct UnauthorizedTests {
    @Test func permissionDeniedIsNotRefreshed() async throws {
        let authenticator = CountingAuthenticator.bearer("token-1", "token-2")
        try await Harness.with(authenticator: authenticator) { harness in
            let result = await harness.collect("[[status:401]] hi")
            #expect(result.azureError?.kind == .permissionDenied)
            #expect(authenticator.counts.invalidations == 0)
            #expect(authenticator.counts.headers == 1)
            #expect(await harness.fake.requests.map(\.bearerToken) == ["token-1"])
        }
    }

    @Test func anAPIKeyIsNeverRefreshed() async throws {
        let authenticator = CountingAuthenticator(headers: [("api-key", "key-1"), ("api-key", "key-2")])
        try await Harness.with(fake: .init(apiKey: "right-key"), authenticator: authenticator) { harness in
            let result = await harness.collect("hi")
            #expect(result.azureError?.kind == .authenticationFailed)
            #expect(authenticator.counts.invalidations == 0)
            #expect(await harness.fake.requests.count == 1)
        }
    }

    @Test func anAPIKeyGatewayFourOhOneIsNotRetried() async throws {
        try await Harness.with(authenticator: APIKeyAuthenticator(key: "some-key")) { harness in
            let result = await harness.collect("[[status:401:1]] [[body:invalid_key]] hi")
            #expect(result.azureError?.kind == .authenticationFailed)
            #expect(await harness.fake.requests.count == 1)
        }
    }

    @Test func aRejectedTokenIsInvalidatedByValueAndRetriedOnce() async throws {
        let source = RecordingTokenSource(tokens: ["stale-token", "fresh-token"])
        try await Harness.with(fake: .init(bearerTokenValidator: { $0 == "fresh-token" }),
                               authenticator: BearerTokenAuthenticator(source: source)) { harness in
            let result = await harness.collect("hi")
            #expect(result.error == nil)
            #expect(result.text == "Echo: hi")
            #expect(source.invalidatedIfTokenIs == ["stale-token"], "compare-then-invalidate gets the rejected token")
            #expect(await harness.fake.requests.map(\.bearerToken) == ["stale-token", "fresh-token"])
        }
    }

    @Test func aScriptedBareFourOhOneIsRefreshedOnce() async throws {
        let authenticator = CountingAuthenticator.bearer("token-1", "token-2")
        try await Harness.with(authenticator: authenticator) { harness in
            let result = await harness.collect("[[status:401:1]] [[body:invalid_token]] hi")
            #expect(result.error == nil)
            #expect(authenticator.counts.invalidations == 1)
            #expect(await harness.fake.requests.map(\.bearerToken) == ["token-1", "token-2"])
        }
    }
}

/// A token source that hands out its tokens in turn and records what it was asked to forget.
final class RecordingTokenSource: BearerTokenSource {
    private let state: Mutex<(index: Int, invalidated: [String])>
    private let tokens: [String]

    init(tokens: [String]) {
        self.tokens = tokens
        state = Mutex((0, []))
    }

    var invalidatedIfTokenIs: [String] { state.withLock { $0.invalidated } }

    func bearerToken() async throws -> String {
        state.withLock { tokens[min($0.index, tokens.count - 1)] }
    }

    func invalidateToken() async {
        state.withLock { $0.index += 1 }
    }

    func invalidateToken(ifTokenIs token: String) async {
        state.withLock { state in
            state.invalidated.append(token)
            if tokens[min(state.index, tokens.count - 1)] == token { state.index += 1 }
        }
    }
}

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
