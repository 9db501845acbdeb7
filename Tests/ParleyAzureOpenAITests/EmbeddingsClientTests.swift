import AsyncHTTPClient
import Foundation
import ParleyOutbound
import ParleyTestSupport
import Synchronization
import Testing
@testable import ParleyAzureOpenAI

/// The embeddings client against the fake Azure OpenAI's embeddings endpoint.
@Suite struct EmbeddingsClientTests {
    /// The waits the client asked for, recorded instead of slept (time is injected).
    final class RecordedSleeps: Sendable {
        private let waits = Mutex<[Duration]>([])
        var all: [Duration] { waits.withLock { $0 } }
        func record(_ duration: Duration) { waits.withLock { $0.append(duration) } }
    }

    struct Setup {
        let fake: FakeAzureOpenAI
        let client: AzureOpenAIEmbeddingsClient
        let sleeps: RecordedSleeps
        let logs: LogCapture
    }

    static func with<T>(deployment: String = "text-embedding-3-small", fake options: FakeAzureOpenAI.Options = .init(),
                        authenticator: any AzureOpenAIAuthenticator = APIKeyAuthenticator(key: "test-key"),
                        batchSize: Int = 16, configure: (inout AzureOpenAIConfiguration) -> Void = { _ in },
                        _ body: (Setup) async throws -> T) async throws -> T {
        let fake = try await FakeAzureOpenAI.start(options: options)
        var configuration = AzureOpenAIConfiguration(endpoint: fake.endpoint)
        configure(&configuration)
        let httpClient = HTTPClient(eventLoopGroupProvider: .singleton)
        let logs = LogCapture()
        let sleeps = RecordedSleeps()
        let client = AzureOpenAIEmbeddingsClient(
            configuration: configuration, deployment: deployment, httpClient: OutboundHTTPClient(wrapping: httpClient),
            authenticator: authenticator, logger: logs.logger(label: "embeddings"), batchSize: batchSize,
            sleep: { sleeps.record($0) })
        do {
            let result = try await body(Setup(fake: fake, client: client, sleeps: sleeps, logs: logs))
            try await httpClient.shutdown()
            try await fake.shutdown()
            return result
        } catch {
            try? await httpClient.shutdown()
            try? await fake.shutdown()
            throw error
        }
    }

    @Test func batchesInputsAndKeepsTheirOrder() async throws {
        try await Self.with(batchSize: 16) { setup in
            let texts = (0..<37).map { "passage number \($0) about topic \($0 % 5)" }
            let vectors = try await setup.client.embed(texts)
            #expect(vectors.count == 37)
            // The fake answers each batch in reverse index order; the client must sort by index.
            for (text, vector) in zip(texts, vectors) {
                #expect(vector == HashedWordEmbedding.vector(for: text))
            }
            let requests = await setup.fake.embeddingRequests
            #expect(requests.map(\.inputs.count) == [16, 16, 5])
            #expect(requests.flatMap(\.inputs) == texts)
            #expect(requests.allSatisfy { $0.deployment == "text-embedding-3-small" && $0.apiVersion == "2024-10-21" })
            #expect(requests.allSatisfy { $0.authKind == .apiKey })
        }
    }

    @Test func longInputsAreCutAndEmptyOnesSentAsASpace() async throws {
        try await Self.with { setup in
            let long = String(repeating: "word ", count: 3000)
            _ = try await setup.client.embed([long, ""])
            let inputs = try #require(await setup.fake.embeddingRequests.first?.inputs)
            #expect(inputs[0].count == AzureOpenAIEmbeddingsClient.defaultMaxInputCharacters)
            #expect(inputs[1] == " ")
        }
    }

    @Test func similarTextsGetSimilarVectors() async throws {
        try await Self.with { setup in
            let vectors = try await setup.client.embed([
                "How do I configure the workload identity token file?",
                "Configuring the token file for workload identity",
                "Bananas are yellow fruit",
            ])
            func cosine(_ a: [Float], _ b: [Float]) -> Float { zip(a, b).reduce(0) { $0 + $1.0 * $1.1 } }
            #expect(vectors[0].count == 256)
            #expect(cosine(vectors[0], vectors[1]) > 0.6)
            #expect(cosine(vectors[0], vectors[2]) < 0.3)
        }
    }

    @Test func rateLimitIsRetriedAfterTheServersRetryAfter() async throws {
        try await Self.with { setup in
            await setup.fake.failEmbeddings(status: 429, times: 2, retryAfter: "7")
            let vectors = try await setup.client.embed(["hello world"])
            #expect(vectors.count == 1)
            #expect(await setup.fake.embeddingRequests.map(\.status) == [429, 429, 200])
            #expect(setup.sleeps.all.map(RetryAfter.wholeSeconds) == [7, 7])
            #expect(setup.logs.lines(containing: "embeddings answered 429; retrying").count == 2)
        }
    }

    @Test func serverErrorsAreRetriedWithBackoffThenMapped() async throws {
        try await Self.with(configure: { $0.maxRetries = 2 }) { setup in
            await setup.fake.failEmbeddings(status: 500, times: 3)
            await #expect(throws: AzureOpenAIError.self) { try await setup.client.embed(["hello"]) }
            do {
                _ = try await setup.client.embed(["hello"])
            } catch let error as AzureOpenAIError {
                Issue.record("the scripted failures were used up, yet: \(error)")
            }
            let statuses = await setup.fake.embeddingRequests.map(\.status)
            #expect(statuses == [500, 500, 500, 200])
            // Backoff 0.5 s then 1 s, each shortened by up to 25 % jitter.
            let waits = setup.sleeps.all
            #expect(waits.count == 2)
            #expect(waits.first.map { $0 >= .milliseconds(375) && $0 <= .milliseconds(500) } == true)
            #expect(waits.last.map { $0 >= .milliseconds(750) && $0 <= .seconds(1) } == true)
        }
    }

    @Test func unknownDeploymentIsExplained() async throws {
        try await Self.with(deployment: "no-such-embeddings") { setup in
            let error = try await #require(throws: AzureOpenAIError.self) { try await setup.client.embed(["hello"]) }
            #expect(error.kind == .deploymentNotFound)
            #expect(error.message.contains("'no-such-embeddings' does not exist"))
            #expect(setup.sleeps.all.isEmpty)
        }
    }

    @Test func bearerTokenIsSentAndNeverLogged() async throws {
        let token = TestJWT.make(claims: ["oid": "embed-oid", "aud": "https://cognitiveservices.azure.com"])
        let authenticator = BearerTokenAuthenticator(token: { token }, forget: { _ in })
        try await Self.with(fake: .init(bearerTokenValidator: { $0 == token }), authenticator: authenticator) { setup in
            await setup.fake.failEmbeddings(status: 429, times: 1)
            _ = try await setup.client.embed(["secret-free text"])
            let requests = await setup.fake.embeddingRequests
            #expect(requests.map(\.bearerToken) == [token, token])
            #expect(!setup.logs.lines.isEmpty)
            #expect(setup.logs.lines(containing: token).isEmpty)
            #expect(setup.logs.lines(containing: String(token.prefix(20))).isEmpty)
        }
    }

    @Test func rejectedTokenIsRefreshedOnceThenExplained() async throws {
        let authenticator = CountingAuthenticator.bearer("stale-token", "fresh-token")
        try await Self.with(fake: .init(bearerTokenValidator: { $0 == "fresh-token" }), authenticator: authenticator) { setup in
            _ = try await setup.client.embed(["hello"])
            #expect(await setup.fake.embeddingRequests.map(\.status) == [401, 200])
            #expect(authenticator.counts.invalidations == 1)
        }
        try await Self.with(fake: .init(bearerTokenValidator: { _ in false }), authenticator: CountingAuthenticator.bearer("rejected-token-4711")) { setup in
            let error = try await #require(throws: AzureOpenAIError.self) { try await setup.client.embed(["hello"]) }
            #expect(error.kind == .authenticationFailed)
            #expect(!error.message.contains("rejected-token-4711"))
        }
    }

    @Test func v1RouteSendsTheDeploymentAsModel() async throws {
        try await Self.with(configure: { $0.apiVersion = "v1" }) { setup in
            _ = try await setup.client.embed(["hello"])
            let request = try #require(await setup.fake.embeddingRequests.first)
            #expect(request.deployment == "text-embedding-3-small")
            #expect(request.status == 200)
        }
    }
}
