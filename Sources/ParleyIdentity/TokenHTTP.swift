import AsyncHTTPClient
import ParleyOutbound
import Foundation
import Logging

/// Sends one token request with a per-attempt timeout and the given retry policy. Shared by the
/// Entra, IMDS and App Service paths so they retry and time out the same way.
struct TokenHTTP: Sendable {
    struct Reply: Sendable {
        var status: Int
        var headers: [(String, String)]
        var body: Data
        /// Requests sent, retries included.
        var attempts = 1

        func header(_ name: String) -> String? {
            headers.first { $0.0.caseInsensitiveCompare(name) == .orderedSame }?.1
        }
    }

    /// The transport failed on every attempt (refused, timed out, reset).
    struct TransportError: Error, Sendable, CustomStringConvertible {
        let attempts: Int
        let underlying: String
        var description: String { underlying }
    }

    /// Entra answers are a few hundred bytes; anything past this is not a token response.
    static let maxBodyBytes = 1 << 20

    let httpClient: OutboundHTTPClient
    let logger: Logger
    let now: @Sendable () -> Date
    let sleep: @Sendable (Duration) async throws -> Void

    /// - Parameter makeRequest: builds a fresh request per attempt (bodies are consumed).
    func send(
        what: String,
        timeout: Duration,
        policy: RetryPolicy,
        makeRequest: @Sendable () -> HTTPClientRequest
    ) async throws -> Reply {
        var retry = 0
        while true {
            let request = makeRequest()
            do {
                var reply = try await Self.attempt(request, client: httpClient, timeout: timeout)
                reply.attempts = retry + 1
                guard retry < policy.maxRetries, policy.isRetryable(status: reply.status) else { return reply }
                let serverDelay = policy.serverDelay(
                    retryAfterMilliseconds: reply.header("retry-after-ms") ?? reply.header("x-ms-retry-after-ms"),
                    retryAfter: reply.header("Retry-After"), now: now())
                guard let wait = policy.delay(retriesTaken: retry, status: reply.status, serverDelay: serverDelay) else { return reply }
                retry += 1
                logger.debug("\(what) answered HTTP \(reply.status); retrying", metadata: [
                    "retry": "\(retry)", "delay_ms": "\(wait.milliseconds)",
                ])
                try await sleep(wait)
            } catch let error as CancellationError {
                throw error
            } catch {
                guard retry < policy.maxRetries else {
                    throw TransportError(attempts: retry + 1, underlying: Self.explain(error, timeout: timeout))
                }
                let wait = policy.backoff(retriesTaken: retry)
                retry += 1
                logger.debug("\(what) request failed; retrying", metadata: [
                    "retry": "\(retry)", "error": "\(Self.explain(error, timeout: timeout))",
                ])
                try await sleep(wait)
            }
        }
    }

    /// One request and its whole body within `timeout` (AHC's own deadline stops at the head).
    static func attempt(_ request: HTTPClientRequest, client: OutboundHTTPClient, timeout: Duration) async throws -> Reply {
        try await Deadline.run(until: .now + timeout, timedOut: { HTTPClientError.deadlineExceeded }) {
            let response = try await client.execute(request, timeout: .nanoseconds(timeout.nanoseconds))
            let buffer = try await response.body.collect(upTo: maxBodyBytes)
            return Reply(status: Int(response.status.code),
                         headers: response.headers.map { ($0.name, $0.value) },
                         body: Data(buffer.readableBytesView))
        }
    }

    /// A short, secret-free explanation of a transport error.
    static func explain(_ error: any Error, timeout: Duration) -> String {
        if let error = error as? HTTPClientError {
            switch error {
            case .deadlineExceeded, .readTimeout: return "no answer within \(timeout.secondsText) s"
            case .connectTimeout: return "connection timed out"
            case .remoteConnectionClosed: return "the server closed the connection"
            default: return "\(error)"
            }
        }
        let text = "\(error)"
        if text.localizedCaseInsensitiveContains("refused") { return "connection refused" }
        return SecretScrubber.scrub(text)
    }
}
