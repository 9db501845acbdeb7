import AsyncHTTPClient
import Foundation
import Logging
import ParleyAzureOpenAI
import ParleyOutbound
import ParleyTestSupport
import Synchronization

/// What one streamed call produced.
struct StreamResult {
    var events: [ChatCompletionEvent] = []
    var error: (any Error)?

    var text: String {
        events.compactMap { if case .delta(let text) = $0 { text } else { nil } }.joined()
    }
    var deltas: [String] {
        events.compactMap { if case .delta(let text) = $0 { text } else { nil } }
    }
    var usage: TokenUsage? {
        events.lazy.compactMap { if case .usage(let usage) = $0 { usage } else { nil } }.first
    }
    var finishReasons: [String] {
        events.compactMap { if case .finished(let reason) = $0 { reason } else { nil } }
    }
    var azureError: AzureOpenAIError? { error as? AzureOpenAIError }
}

/// A fake Azure OpenAI, a real HTTPClient and an `AzureOpenAIClient` wired to them, with captured logs.
struct Harness {
    let fake: FakeAzureOpenAI
    let httpClient: HTTPClient
    let client: AzureOpenAIClient
    let logs: LogCapture

    static func with<T>(
        fake options: FakeAzureOpenAI.Options = .init(chunkDelay: .milliseconds(1)),
        configure: (inout AzureOpenAIConfiguration) -> Void = { _ in },
        authenticator: any AzureOpenAIAuthenticator = APIKeyAuthenticator(key: "test-key"),
        _ body: (Harness) async throws -> T
    ) async throws -> T {
        let fake = try await FakeAzureOpenAI.start(options: options)
        var configuration = AzureOpenAIConfiguration(endpoint: fake.endpoint)
        configure(&configuration)
        var httpConfiguration = HTTPClient.Configuration()
        httpConfiguration.timeout = configuration.httpClientTimeout
        let httpClient = HTTPClient(eventLoopGroupProvider: .singleton, configuration: httpConfiguration)
        let logs = LogCapture()
        let client = AzureOpenAIClient(configuration: configuration, httpClient: OutboundHTTPClient(wrapping: httpClient),
                                       authenticator: authenticator, logger: logs.logger(label: "aoai"))
        let harness = Harness(fake: fake, httpClient: httpClient, client: client, logs: logs)
        do {
            let result = try await body(harness)
            try await httpClient.shutdown()
            try await fake.shutdown()
            return result
        } catch {
            try? await httpClient.shutdown()
            try? await fake.shutdown()
            throw error
        }
    }

    /// Runs one call to the end and collects what it yielded and how it ended.
    func collect(_ question: String, deployment: String = "gpt-4", history: [ChatCompletionMessage] = [],
                 temperature: Double? = nil) async -> StreamResult {
        await Self.collect(client.streamChatCompletion(
            ChatCompletionRequest(deployment: deployment,
                                  messages: history + [ChatCompletionMessage(role: "user", content: question)],
                                  temperature: temperature)))
    }

    static func collect(_ stream: AsyncThrowingStream<ChatCompletionEvent, any Error>) async -> StreamResult {
        var result = StreamResult()
        do {
            for try await event in stream { result.events.append(event) }
        } catch {
            result.error = error
        }
        return result
    }

    /// Polls the fake's records until `condition` holds or `timeout` passes; returns the last records.
    func waitForRequests(timeout: Duration = .seconds(2),
                         until condition: ([FakeAzureOpenAI.RecordedRequest]) -> Bool) async throws -> [FakeAzureOpenAI.RecordedRequest] {
        let deadline = ContinuousClock.now + timeout
        while true {
            let records = await fake.requests
            if condition(records) || ContinuousClock.now >= deadline { return records }
            try await Task.sleep(for: .milliseconds(10))
        }
    }
}

/// The library's seam, counted: hands out the headers it is given in turn (the last one repeats after
/// `invalidate()`), or throws when asked to.
final class CountingAuthenticator: AzureOpenAIAuthenticator {
    struct Counts { var headers = 0; var invalidations = 0 }
    private let values: [(name: String, value: String)]
    private let failure: (any Error & Sendable)?
    private let state = Mutex((counts: Counts(), generation: 0))

    init(headers: [(name: String, value: String)], failure: (any Error & Sendable)? = nil) {
        self.values = headers
        self.failure = failure
    }

    static func bearer(_ tokens: String...) -> CountingAuthenticator {
        CountingAuthenticator(headers: tokens.map { ("Authorization", "Bearer \($0)") })
    }

    var counts: Counts { state.withLock { $0.counts } }

    func authorizationHeader() async throws -> (name: String, value: String) {
        if let failure { throw failure }
        return state.withLock { state in
            state.counts.headers += 1
            return values[min(state.generation, values.count - 1)]
        }
    }

    func invalidate() async {
        state.withLock { state in
            state.counts.invalidations += 1
            state.generation += 1
        }
    }
}

/// An unsigned JWT whose payload holds `oid` (only the payload is read by the client).
func fakeJWT(oid: String, marker: String) -> String {
    func base64URL(_ text: String) -> String {
        Data(text.utf8).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }
    let header = base64URL(#"{"alg":"RS256","typ":"JWT"}"#)
    let payload = base64URL(#"{"aud":"https://cognitiveservices.azure.com","oid":"\#(oid)","marker":"\#(marker)"}"#)
    return "\(header).\(payload).c2lnbmF0dXJlLVwe\(marker)"
}
