import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import ParleyOutbound

/// One `streamChatCompletion` call: the attempts, the retry decisions and the whole-request deadline.
/// It runs in the caller's task and hands each event to the caller's `onEvent` directly: no task and
/// no stream per event (issue 11: three relaying streams per event showed in the profile).
struct ChatCompletionCall: Sendable {
    typealias OnEvent = (ChatCompletionEvent) async throws -> Void

    let client: AzureOpenAIClient
    let request: ChatCompletionRequest
    /// Sent as `x-ms-client-request-id` and logged, to correlate with Azure's logs.
    let clientRequestID = UUID().uuidString.lowercased()

    var configuration: AzureOpenAIConfiguration { client.configuration }
    var logger: Logger { client.logger }

    init(client: AzureOpenAIClient, request: ChatCompletionRequest) {
        self.client = client
        self.request = request
    }

    /// Runs the attempts in the calling task. The whole-request deadline bounds the response head
    /// (AHC's deadline), every retry wait, and is checked at every received chunk; a stream that goes
    /// silent is ended by the idle read timeout (`firstByteTimeout`). `runRacingDeadline` also
    /// interrupts a silent stream at the deadline, at the cost of a child task.
    func run(onEvent: OnEvent) async throws {
        let deadline = ContinuousClock.now + configuration.requestTimeout
        do {
            try await attempts(until: deadline, onEvent: onEvent)
        } catch is RequestDeadlinePassed {
            throw deadlineError()
        }
    }

    /// Like `run`, raced against the whole-request deadline: AHC's own deadline only covers the
    /// response head (async-http-client 1.37.0, measured), not the streamed body, so a silent stream
    /// is cut by cancelling the attempts' child task.
    func runRacingDeadline(onEvent: @escaping @Sendable (ChatCompletionEvent) async throws -> Void) async throws {
        let deadline = ContinuousClock.now + configuration.requestTimeout
        do {
            try await Deadline.run(until: deadline, timedOut: { RequestDeadlinePassed() }) {
                try await self.attempts(until: deadline, onEvent: onEvent)
            }
        } catch is RequestDeadlinePassed {
            throw deadlineError()
        }
    }

    struct RequestDeadlinePassed: Error {}

    private func deadlineError() -> AzureOpenAIError {
        logger.warning("Azure OpenAI request timed out", metadata: metadata())
        return AzureOpenAIError(kind: .upstreamTimeout,
            message: "Azure OpenAI did not finish the answer within \(Self.format(configuration.requestTimeout)) "
                + "(the whole-request timeout). Try again, ask for a shorter answer, or raise the request timeout.")
    }

    enum AttemptOutcome {
        case completed
        case failed(status: Int, headers: HTTPHeaders, envelope: AzureErrorEnvelope?, requestID: String?)
        /// No usable response (connect/first-byte timeout, connection reset …) and nothing was yielded yet.
        case transportFailed(any Error, Phase)
    }

    /// How far an attempt got when the transport failed; decides the wording of the error.
    enum Phase {
        case beforeHead, beforeText, midStream
    }

    private func attempts(until deadline: ContinuousClock.Instant, onEvent: OnEvent) async throws {
        let route = ChatCompletionRoute(configuration: configuration)
        let body = route.bodyBuffer(for: request)
        var httpRequest = HTTPClientRequest(url: client.url(for: request.deployment, route: route))
        httpRequest.method = .POST
        httpRequest.headers = ChatCompletionRoute.constantHeaders
        httpRequest.headers.add(name: "x-ms-client-request-id", value: clientRequestID)
        httpRequest.body = .bytes(body)

        var retriesTaken = 0
        var refreshedAfterUnauthorized = false
        var attempt = 0

        while true {
            attempt += 1
            try Task.checkCancellation()
            if ContinuousClock.now >= deadline { throw RequestDeadlinePassed() }
            let header = try await client.authenticator.headerForRequest()
            var attemptRequest = httpRequest
            attemptRequest.headers.add(name: header.name, value: header.value)

            let outcome = try await attemptOnce(attemptRequest, header: header, attempt: attempt, deadline: deadline,
                                                onEvent: onEvent)
            switch outcome {
            case .completed:
                return

            case .failed(let status, let headers, let envelope, let requestID):
                if status == 401, !refreshedAfterUnauthorized, Self.refreshCanHelp(header: header, envelope: envelope) {
                    // A token that expired or was revoked since it was cached: forget it (if no other
                    // request replaced it already) and try once more; not one of `maxRetries`.
                    refreshedAfterUnauthorized = true
                    logger.warning("Azure OpenAI answered 401; retrying once with a fresh credential",
                                   metadata: metadata(["attempt": "\(attempt)", "request_id": "\(requestID ?? "-")"]))
                    await client.authenticator.invalidate(rejected: header)
                    continue
                }
                if status == 429 { client.counters.increment(UpstreamCounters.rateLimited, deployment: request.deployment) }
                let serverDelay = configuration.retry.serverDelay(
                    retryAfterMilliseconds: headers.first(name: "retry-after-ms"), retryAfter: headers.first(name: "retry-after"),
                    message: status == 429 ? envelope?.message : nil)
                let retryAfterSeconds = serverDelay.map(RetryAfter.wholeSeconds)
                if configuration.retry.isRetryable(status: status), retriesTaken < configuration.retry.maxRetries,
                    let delay = configuration.retry.delay(retriesTaken: retriesTaken, serverDelay: serverDelay, before: deadline)
                {
                    logger.warning("Azure OpenAI answered \(status); retrying",
                                   metadata: metadata(["attempt": "\(attempt)", "delay_ms": "\(delay.milliseconds)",
                                                       "request_id": "\(requestID ?? "-")"]))
                    client.counters.increment(UpstreamCounters.retries, deployment: request.deployment, reason: "\(status)")
                    try await Task.sleep(for: delay)
                    retriesTaken += 1
                    continue
                }
                let namesIdentity = status == 401 && envelope?.code?.lowercased() == "permissiondenied"
                var error = mapping(header: header, decodeClaims: namesIdentity).error(
                    status: status, envelope: envelope, requestID: requestID, attempts: attempt,
                    retryAfterSeconds: retryAfterSeconds, location: headers.first(name: "location"))
                error.retryAfter = serverDelay
                throw error

            case .transportFailed(let error, let phase):
                if ContinuousClock.now >= deadline { throw RequestDeadlinePassed() }
                if retriesTaken < configuration.retry.maxRetries,
                    let delay = configuration.retry.delay(retriesTaken: retriesTaken, serverDelay: nil, before: deadline)
                {
                    logger.warning("Azure OpenAI could not be reached; retrying",
                                   metadata: metadata(["attempt": "\(attempt)", "delay_ms": "\(delay.milliseconds)",
                                                       "error": "\(Self.describe(error))"]))
                    client.counters.increment(UpstreamCounters.retries, deployment: request.deployment, reason: "connection")
                    try await Task.sleep(for: delay)
                    retriesTaken += 1
                    continue
                }
                throw transportError(error, attempts: attempt, phase: phase)
            }
        }
    }

    /// Whether a new credential could turn this 401 into a success. Not for an API key (a new one
    /// never comes from asking again) and not for `PermissionDenied`: the token was valid, the
    /// identity lacks the role, and a fresh token carries the same identity.
    static func refreshCanHelp(header: (name: String, value: String), envelope: AzureErrorEnvelope?) -> Bool {
        guard header.name.lowercased() == "authorization" else { return false }
        return envelope?.code?.lowercased() != "permissiondenied"
    }

    /// The error mapping for this attempt's credential. The token's claims are read only when a 401
    /// message needs the identity's object id (decoding a JWT per request is wasted work).
    func mapping(header: (name: String, value: String), decodeClaims: Bool) -> AzureOpenAIErrorMapping {
        AzureOpenAIErrorMapping(
            deployment: request.deployment, apiVersion: configuration.apiVersion,
            credential: RequestAuthorization(headerName: header.name, headerValue: header.value, decodeClaims: decodeClaims))
    }

    private func attemptOnce(_ httpRequest: HTTPClientRequest, header: (name: String, value: String), attempt: Int,
                             deadline: ContinuousClock.Instant, onEvent: OnEvent) async throws -> AttemptOutcome {
        let headDeadline = min(ContinuousClock.now + configuration.firstByteTimeout, deadline)
        let response: HTTPClientResponse
        do {
            // No logger is handed to AHC: its request logging is not ours to vet for secrets.
            response = try await client.httpClient.execute(httpRequest, deadline: Self.nioDeadline(headDeadline))
        } catch {
            if Task.isCancelled { throw CancellationError() }
            logger.debug("Azure OpenAI attempt failed before a response",
                         metadata: metadata(["attempt": "\(attempt)", "error": "\(Self.describe(error))"]))
            return .transportFailed(error, .beforeHead)
        }

        let status = Int(response.status.code)
        let requestID = response.headers.first(name: "apim-request-id") ?? response.headers.first(name: "x-request-id")
        logger.debug("Azure OpenAI responded",
                     metadata: metadata(["status": "\(status)", "attempt": "\(attempt)", "request_id": "\(requestID ?? "-")"]))

        if (200..<300).contains(status) {
            var reader = ChatCompletionStreamReader(call: self, status: status, requestID: requestID, attempt: attempt,
                                                    mapping: mapping(header: header, decodeClaims: false), deadline: deadline)
            return try await reader.read(response.body, contentType: response.headers.first(name: "content-type"),
                                         onEvent: onEvent)
        }
        let errorBody: ByteBuffer
        do {
            errorBody = try await response.body.collect(upTo: 64 * 1024)
        } catch {
            if Task.isCancelled { throw CancellationError() }
            errorBody = ByteBuffer()
        }
        let envelope = AzureErrorEnvelope.parse(Data(errorBody.readableBytesView))
        return .failed(status: status, headers: response.headers, envelope: envelope, requestID: requestID)
    }

    func metadata(_ extra: Logger.Metadata = [:]) -> Logger.Metadata {
        var metadata: Logger.Metadata = [
            "deployment": "\(request.deployment)",
            "client_request_id": "\(clientRequestID)",
        ]
        metadata.merge(extra) { $1 }
        return metadata
    }

    static func describe(_ error: any Error) -> String {
        String(describing: error)
    }

    static func format(_ duration: Duration) -> String {
        let seconds = duration.seconds
        return seconds == seconds.rounded() ? "\(Int(seconds)) s" : String(format: "%.1f s", seconds)
    }

    private static func nioDeadline(_ instant: ContinuousClock.Instant) -> NIODeadline {
        let remaining = ContinuousClock.now.duration(to: instant)
        return .now() + (remaining < .zero ? .zero : remaining.timeAmount)
    }
}

extension ChatCompletionCall {
    /// The error for an attempt whose transport failed, worded by how far it got.
    func transportError(_ error: any Error, attempts: Int, phase: Phase) -> AzureOpenAIError {
        let tries = attempts == 1 ? "1 attempt" : "\(attempts) attempts"
        if let error = error as? HTTPClientError {
            switch error {
            case .connectTimeout:
                return AzureOpenAIError(kind: .upstreamTimeout,
                    message: "Could not connect to Azure OpenAI within \(Self.format(configuration.connectTimeout)) (\(tries)). "
                        + "Check the endpoint and the network path to it (DNS, proxy, firewall).")
            case _ where error == .deadlineExceeded || (error == .readTimeout && phase == .beforeHead):
                // The head deadline, and AHC's idle read timeout before the head, both mean "no first byte in time".
                return AzureOpenAIError(kind: .upstreamTimeout,
                    message: "Azure OpenAI did not start answering within \(Self.format(configuration.firstByteTimeout)) (\(tries)). "
                        + "The service may be overloaded; try again later.")
            case .readTimeout:
                return AzureOpenAIError(kind: .upstreamTimeout,
                    message: "Azure OpenAI went silent for more than \(Self.format(configuration.firstByteTimeout)) "
                        + (phase == .midStream ? "in the middle of the answer. Try again." : "(\(tries)). Try again later."))
            default:
                break
            }
        }
        if phase == .midStream {
            return AzureOpenAIError(kind: .upstreamError,
                message: "The connection to Azure OpenAI broke off in the middle of the answer (\(Self.describe(error))). Try again.")
        }
        return AzureOpenAIError(kind: .upstreamError,
            message: "Could not reach Azure OpenAI after \(tries) (\(Self.describe(error))). "
                + "Check the endpoint and the network path to it, then try again.")
    }
}
