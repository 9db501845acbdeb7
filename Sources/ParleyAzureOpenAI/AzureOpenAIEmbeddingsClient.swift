import Foundation
import Logging
import ParleyOutbound

/// Turns texts into vectors with an Azure OpenAI embeddings deployment (`PARLEY_EMBEDDING_DEPLOYMENT`):
/// `POST {endpoint}/openai/deployments/{deployment}/embeddings?api-version=…` with `{"input": [...]}`.
/// Authenticated, retried and mapped to `AzureOpenAIError` exactly like chat: the same
/// `AzureOpenAIConfiguration` (endpoint, api-version, `RetryPolicy.azureOpenAI`, timeouts), the same
/// authenticator (api key or the bearer-token cache) and the same error wording.
public struct AzureOpenAIEmbeddingsClient: Sendable {
    /// How the waits between attempts are slept; tests pass one that records the wait and returns.
    public typealias Sleep = @Sendable (Duration) async throws -> Void

    /// Texts per request. The service accepts up to 2048 inputs per request, but one slow or
    /// throttled request then holds everything; 16 keeps requests small and retries cheap.
    public static let defaultBatchSize = 16
    /// The longest input sent, in characters. The embedding models take at most 8191 tokens per input
    /// (text-embedding-3-small/-large and ada-002, Azure OpenAI models page, read 2026-11); a token is
    /// at least one character for English text, and 6000 leaves a margin for scripts that need more
    /// tokens per character. Passages are a few hundred tokens, so only odd inputs are cut.
    public static let defaultMaxInputCharacters = 6000

    let configuration: AzureOpenAIConfiguration
    public let deployment: String
    let httpClient: OutboundHTTPClient
    let authenticator: any AzureOpenAIAuthenticator
    let logger: Logger
    let batchSize: Int
    let maxInputCharacters: Int
    let sleep: Sleep
    let counters: UpstreamCounters

    public init(configuration: AzureOpenAIConfiguration, deployment: String, httpClient: OutboundHTTPClient,
                authenticator: any AzureOpenAIAuthenticator, logger: Logger,
                batchSize: Int = AzureOpenAIEmbeddingsClient.defaultBatchSize,
                maxInputCharacters: Int = AzureOpenAIEmbeddingsClient.defaultMaxInputCharacters,
                sleep: @escaping Sleep = { try await TimerSleep.sleep(for: $0) }) {
        self.configuration = configuration
        self.deployment = deployment
        self.httpClient = httpClient
        self.authenticator = authenticator
        self.logger = logger
        self.batchSize = max(1, batchSize)
        self.maxInputCharacters = max(1, maxInputCharacters)
        self.sleep = sleep
        counters = UpstreamCounters(factory: configuration.metricsFactory)
    }

    /// One vector per text, in the order of `texts`. Sends `batchSize` texts per request, one request
    /// after the other; a failed batch (after its retries) fails the whole call with `AzureOpenAIError`.
    public func embed(_ texts: [String]) async throws -> [[Float]] {
        var vectors: [[Float]] = []
        vectors.reserveCapacity(texts.count)
        var start = 0
        while start < texts.count {
            let end = min(start + batchSize, texts.count)
            let inputs = texts[start..<end].map(prepared)
            vectors += try await EmbeddingsCall(client: self, inputs: inputs).run()
            start = end
        }
        return vectors
    }

    /// One text's vector.
    public func embed(_ text: String) async throws -> [Float] {
        try await embed([text])[0]
    }

    /// Cut to `maxInputCharacters`; an empty input becomes one space, because the service refuses
    /// empty strings with 400 ("'$.input' is invalid").
    func prepared(_ text: String) -> String {
        let cut = text.count > maxInputCharacters ? String(text.prefix(maxInputCharacters)) : text
        return cut.isEmpty ? " " : cut
    }

    /// `{base}/openai/deployments/{deployment}/embeddings?api-version={v}`, or for `v1`
    /// `{base}/openai/v1/embeddings` (the deployment then goes into the body's `model`).
    var url: String {
        let base = configuration.baseURL
        if configuration.usesV1Route { return "\(base)/openai/v1/embeddings" }
        let segment = ChatCompletionRoute.percentEncoded(deployment)
        let version = ChatCompletionRoute.percentEncoded(configuration.apiVersion)
        return "\(base)/openai/deployments/\(segment)/embeddings?api-version=\(version)"
    }
}
