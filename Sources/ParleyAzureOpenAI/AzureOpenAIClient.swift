import AsyncHTTPClient
import ParleyOutbound
import Foundation
import Logging
import NIOCore
import Synchronization

/// Streams chat completions from one Azure OpenAI resource, with retries, timeouts and errors a
/// person can act on. Knows nothing of Hummingbird; the HTTP client and the authenticator are the
/// caller's.
public struct AzureOpenAIClient: Sendable {
    var configuration: AzureOpenAIConfiguration
    let httpClient: OutboundHTTPClient
    let authenticator: any AzureOpenAIAuthenticator
    let logger: Logger
    /// Made once per client, not per event (issue 11).
    let counters: UpstreamCounters

    public init(configuration: AzureOpenAIConfiguration, httpClient: OutboundHTTPClient,
                authenticator: any AzureOpenAIAuthenticator, logger: Logger) {
        self.configuration = configuration
        self.httpClient = httpClient
        self.authenticator = authenticator
        self.logger = logger
        counters = UpstreamCounters(factory: configuration.metricsFactory)
    }

    /// Request URLs by deployment, built once each (percent-encoding showed in the profile). The
    /// server accepts only configured deployments; the cap keeps any other caller bounded.
    private let urls = URLCache()

    func url(for deployment: String, route: ChatCompletionRoute) -> String {
        urls.url(for: deployment) { route.url(deployment: deployment) }
    }

    /// Always streams from upstream and hands each event to `onEvent` as it arrives, in the calling
    /// task (no task, no stream in between): `.delta`s, then `.usage` (where the api-version supports
    /// `include_usage`) and finally `.finished(reason:)` ("stop", "length", "content_filter", …).
    /// Returns when the answer is complete. Throws `AzureOpenAIError`, `CancellationError` or what
    /// `onEvent` throws (which ends the call and the upstream request at once). Cancelling the
    /// calling task cancels the upstream request.
    ///
    /// The whole-request timeout bounds the response head, retries and every received chunk; a stream
    /// that goes silent mid-answer is ended by the idle timeout (`firstByteTimeout`). Callers that need
    /// the silent stream cut at the whole-request timeout too race this call against it (as
    /// `streamChatCompletion(_:)` does).
    public func streamChatCompletion(
        _ request: ChatCompletionRequest, onEvent: (ChatCompletionEvent) async throws -> Void
    ) async throws {
        try await ChatCompletionCall(client: self, request: request).run(onEvent: onEvent)
    }

    /// The callback form raced against the whole-request timeout, so a stream that goes silent
    /// mid-answer is cut at that timeout too; the call runs in one child task for the whole answer
    /// (not one per event), so `onEvent` must be `@Sendable`.
    public func streamChatCompletionWithinDeadline(
        _ request: ChatCompletionRequest, onEvent: @escaping @Sendable (ChatCompletionEvent) async throws -> Void
    ) async throws {
        try await ChatCompletionCall(client: self, request: request).runRacingDeadline(onEvent: onEvent)
    }

    /// The same events as an `AsyncThrowingStream` (a thin wrapper over the callback form, with one
    /// task that also enforces the whole-request timeout on a silent stream). Fails only with
    /// `AzureOpenAIError` (or `CancellationError`). Cancelling the consuming task, or dropping the
    /// stream, cancels the upstream HTTP request at once.
    public func streamChatCompletion(_ request: ChatCompletionRequest) -> AsyncThrowingStream<ChatCompletionEvent, any Error> {
        let (stream, continuation) = AsyncThrowingStream<ChatCompletionEvent, any Error>.makeStream()
        let call = ChatCompletionCall(client: self, request: request)
        let task = Task {
            do {
                try await call.runRacingDeadline { event in
                    if case .terminated = continuation.yield(event) { throw CancellationError() }
                }
                continuation.finish()
            } catch {
                continuation.finish(throwing: error)
            }
        }
        continuation.onTermination = { _ in task.cancel() }
        return stream
    }
}

/// A small bounded cache of request URLs per deployment.
final class URLCache: Sendable {
    private let storage = Mutex<[String: String]>([:])
    private static let capacity = 64

    func url(for deployment: String, make: () -> String) -> String {
        if let url = storage.withLock({ $0[deployment] }) { return url }
        let url = make()
        storage.withLock { cache in
            if cache.count >= Self.capacity { cache.removeAll() }
            cache[deployment] = url
        }
        return url
    }
}
