import AsyncHTTPClient
import Foundation
import Logging
import ParleyAzureOpenAI
import ParleyIdentity
import ParleyOutbound
import ParleyTestSupport
import Testing

/// Outbound calls through an egress proxy, as AKS's HTTP proxy feature sets one up: a real
/// CONNECT proxy on loopback records each tunnel. It sends every tunnel to 127.0.0.1 whatever
/// the host name, so names under `.parley.test` need no DNS (none is looked up: the proxy
/// resolves, not Parley). `0.0.0.0` reaches this machine's loopback without being a loopback
/// address, which lets a test see a NO_PROXY entry bypass the proxy without leaving the machine.
@Suite("Outbound HTTP through HTTPS_PROXY/HTTP_PROXY and NO_PROXY")
struct ProxyTunnelTests {
    static func withProxyAndFake<T>(
        noProxy: String = "", _ body: (FakeConnectProxy, FakeAzureOpenAI, OutboundHTTPClient) async throws -> T
    ) async throws -> T {
        let proxy = try await FakeConnectProxy.start()
        let fake = try await FakeAzureOpenAI.start(options: .init(apiKey: "proxy-test-key", chunkDelay: .zero))
        let configuration = try ProxyConfiguration(environment: [
            "HTTPS_PROXY": proxy.url, "HTTP_PROXY": proxy.url, "NO_PROXY": noProxy,
        ])
        let client = OutboundHTTPClient(options: .init(timeout: .init(connect: .seconds(5)), proxy: configuration))
        do {
            let result = try await body(proxy, fake, client)
            try await client.shutdown()
            try await fake.shutdown()
            await proxy.stop()
            return result
        } catch {
            try? await client.shutdown()
            try? await fake.shutdown()
            await proxy.stop()
            throw error
        }
    }

    static func get(_ client: OutboundHTTPClient, _ url: String) async throws -> Int {
        let response = try await client.execute(HTTPClientRequest(url: url), timeout: .seconds(10))
        _ = try await response.body.collect(upTo: 1 << 20)
        return Int(response.status.code)
    }

    @Test func aNamedHostGoesThroughTheProxy() async throws {
        try await Self.withProxyAndFake { proxy, fake, client in
            let status = try await Self.get(client, "http://openai.parley.test:\(fake.port)/_fake/requests")
            #expect(status == 200)
            #expect(proxy.tunnels == ["openai.parley.test:\(fake.port)"])
        }
    }

    @Test func noProxyEntriesAndLoopbackGoDirect() async throws {
        try await Self.withProxyAndFake(noProxy: "example.com,0.0.0.0") { proxy, fake, client in
            let bypassed = try await Self.get(client, "http://0.0.0.0:\(fake.port)/_fake/requests")
            let loopback = try await Self.get(client, "http://127.0.0.1:\(fake.port)/_fake/requests")
            #expect(bypassed == 200 && loopback == 200)
            #expect(proxy.tunnels.isEmpty, "went through the proxy: \(proxy.tunnels)")
        }
        // The same address without the NO_PROXY entry is tunnelled.
        try await Self.withProxyAndFake { proxy, fake, client in
            let tunnelled = try await Self.get(client, "http://0.0.0.0:\(fake.port)/_fake/requests")
            #expect(tunnelled == 200)
            #expect(proxy.tunnels == ["0.0.0.0:\(fake.port)"])
        }
    }

    @Test func azureOpenAIAnswersThroughTheProxy() async throws {
        try await Self.withProxyAndFake { proxy, fake, client in
            let configuration = AzureOpenAIConfiguration(endpoint: "http://openai.parley.test:\(fake.port)")
            let openAI = AzureOpenAIClient(
                configuration: configuration, httpClient: client, authenticator: APIKeyAuthenticator(key: "proxy-test-key"),
                logger: Logger(label: "test"))
            var text = ""
            for try await event in openAI.streamChatCompletion(
                ChatCompletionRequest(deployment: "gpt-35-turbo", messages: [.init(role: "user", content: "via the proxy")]))
            {
                if case .delta(let delta) = event { text += delta }
            }
            #expect(text == "Echo: via the proxy")
            #expect(proxy.tunnels == ["openai.parley.test:\(fake.port)"])
        }
    }

    @Test func managedIdentityTokensComeThroughTheProxy() async throws {
        // IMDS (here the fake Entra's IMDS path) behind a proxy, as a token for Azure OpenAI or for
        // PostgreSQL with Entra auth is fetched: the credential uses the same outbound client.
        let proxy = try await FakeConnectProxy.start()
        let entra = try await FakeEntra.start()
        let configuration = try ProxyConfiguration(environment: ["HTTP_PROXY": proxy.url, "HTTPS_PROXY": proxy.url])
        let client = OutboundHTTPClient(options: .init(timeout: .init(connect: .seconds(5)), proxy: configuration))
        do {
            let credential = ManagedIdentityCredential(
                environment: ["AZURE_POD_IDENTITY_AUTHORITY_HOST": "http://imds.parley.test:\(entra.port)"],
                httpClient: client, logger: Logger(label: "test"))
            let token = try await credential.getToken(scopes: ["https://ossrdbms-aad.database.windows.net/.default"])
            #expect(entra.isValid(token: token.token))
            #expect(proxy.tunnels == ["imds.parley.test:\(entra.port)"])
        } catch {
            try? await client.shutdown()
            await entra.stop()
            await proxy.stop()
            throw error
        }
        try await client.shutdown()
        await entra.stop()
        await proxy.stop()
    }
}
