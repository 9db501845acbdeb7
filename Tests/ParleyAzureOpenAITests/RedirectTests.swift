import Logging
import ParleyAzureOpenAI
import ParleyOutbound
import ParleyTestSupport
import Testing

/// A redirect from the upstream is never followed: it would carry `api-key` or the bearer token to
/// wherever it points.
@Suite struct RedirectTests {
    /// The process's outbound client (redirects disabled), not the harness's plain `HTTPClient`.
    static func withClient(authenticator: any AzureOpenAIAuthenticator,
                           _ body: (AzureOpenAIClient, FakeAzureOpenAI, FakeAzureOpenAI, LogCapture) async throws -> Void) async throws {
        let upstream = try await FakeAzureOpenAI.start()
        let elsewhere = try await FakeAzureOpenAI.start()  // records whatever reaches it
        let outbound = OutboundHTTPClient(options: .init())
        let logs = LogCapture()
        let client = AzureOpenAIClient(configuration: .init(endpoint: upstream.endpoint), httpClient: outbound,
                                       authenticator: authenticator, logger: logs.logger(label: "aoai"))
        do {
            try await body(client, upstream, elsewhere, logs)
        } catch {
            try? await outbound.shutdown()
            try? await upstream.shutdown()
            try? await elsewhere.shutdown()
            throw error
        }
        try await outbound.shutdown()
        try await upstream.shutdown()
        try await elsewhere.shutdown()
    }

    @Test(arguments: [307, 308, 302])
    func aRedirectIsReportedAndNotFollowed(status: Int) async throws {
        let authenticators: [any AzureOpenAIAuthenticator] = [
            APIKeyAuthenticator(key: "KEY-redirect-secret"), CountingAuthenticator.bearer("TOKEN-redirect-secret"),
        ]
        for authenticator in authenticators {
            try await Self.withClient(authenticator: authenticator) { client, upstream, elsewhere, logs in
                let target = "\(elsewhere.endpoint)/openai/deployments/gpt-4/chat/completions?api-version=2024-10-21"
                let result = await Harness.collect(client.streamChatCompletion(.init(
                    deployment: "gpt-4", messages: [.init(role: "user", content: "[[status:\(status)]] [[location:\(target)]] hi")])))
                let error = try #require(result.azureError)
                #expect(error.kind == .upstreamRefused)
                #expect(error.status == status)
                #expect(error.message.contains("redirect (HTTP \(status) to 127.0.0.1:\(elsewhere.port))"))
                #expect(error.message.contains("Parley does not follow redirects"))
                #expect(error.message.contains("Check the endpoint"))
                #expect(!error.message.contains("secret"))
                #expect(await elsewhere.requests.isEmpty, "the redirect was followed")
                #expect(await upstream.requests.count == 1, "a redirect is not retried")
                #expect(logs.lines(containing: "secret").isEmpty)
            }
        }
    }
}
