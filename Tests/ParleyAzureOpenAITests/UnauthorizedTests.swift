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
                               authenticator: source.authenticator) { harness in
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
final class RecordingTokenSource: Sendable {
    private let state: Mutex<(index: Int, invalidated: [String])>
    private let tokens: [String]

    init(tokens: [String]) {
        self.tokens = tokens
        state = Mutex((0, []))
    }

    var invalidatedIfTokenIs: [String] { state.withLock { $0.invalidated } }

    var authenticator: BearerTokenAuthenticator {
        BearerTokenAuthenticator(token: bearerToken, forget: { rejected in
            if let rejected { await self.invalidateToken(ifTokenIs: rejected) } else { await self.invalidateToken() }
        })
    }

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
