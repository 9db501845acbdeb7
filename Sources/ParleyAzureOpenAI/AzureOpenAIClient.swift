import AsyncHTTPClient
import ParleyOutbound
import Foundation
import Logging
import NIOCore

/// Streams chat completions from one Azure OpenAI resource, with retries, timeouts and errors a
/// person can act on. Knows nothing of Hummingbird; the HTTP client and the authenticator are the
/// caller's.
public struct AzureOpenAIClient: Sendable {
    let configuration: AzureOpenAIConfiguration
    let httpClient: OutboundHTTPClient
    let authenticator: any AzureOpenAIAuthenticator
    let logger: Logger

    public init(configuration: AzureOpenAIConfiguration, httpClient: OutboundHTTPClient,
                authenticator: any AzureOpenAIAuthenticator, logger: Logger) {
        self.configuration = configuration
        self.httpClient = httpClient
        self.authenticator = authenticator
        self.logger = logger
    }

    /// Always streams from upstream. Yields `.delta`s as they arrive, then `.usage` (where the
    /// api-version supports `include_usage`) and finally `.finished(reason:)`. Fails only with
    /// `AzureOpenAIError` (or `CancellationError`). Cancelling the consuming task, or dropping the
    /// stream, cancels the upstream HTTP request at once.
    public func streamChatCompletion(_ request: ChatCompletionRequest) -> AsyncThrowingStream<ChatCompletionEvent, any Error> {
        let (stream, continuation) = AsyncThrowingStream<ChatCompletionEvent, any Error>.makeStream()
        let call = ChatCompletionCall(client: self, request: request, continuation: continuation)
        let task = Task {
            do {
                try await call.run()
                continuation.finish()
            } catch {
                continuation.finish(throwing: error)
            }
        }
        continuation.onTermination = { _ in task.cancel() }
        return stream
    }
}
