import AsyncHTTPClient
import CoreMetrics
import Foundation
import Logging
import NIOCore

/// One `streamChatCompletion` call: the attempts, the retry decisions, the streamed body and the
/// whole-request deadline. Lives as long as the task that feeds the consumer's stream.
struct ChatCompletionCall: Sendable {
    typealias Continuation = AsyncThrowingStream<ChatCompletionEvent, any Error>.Continuation

    let client: AzureOpenAIClient
    let request: ChatCompletionRequest
    let continuation: Continuation
    /// Sent as `x-ms-client-request-id` and logged, to correlate with Azure's logs.
    let clientRequestID = UUID().uuidString.lowercased()

    private var configuration: AzureOpenAIConfiguration { client.configuration }
    private var logger: Logger { client.logger }

    init(client: AzureOpenAIClient, request: ChatCompletionRequest, continuation: Continuation) {
        self.client = client
        self.request = request
        self.continuation = continuation
    }

    /// Runs the attempts, racing them against the whole-request deadline: AHC's own deadline only
    /// covers the response head (async-http-client 1.37.0, measured), not the streamed body.
    func run() async throws {
        let deadline = ContinuousClock.now + configuration.requestTimeout
        do {
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await self.attempts(until: deadline) }
                group.addTask {
                    try await Task.sleep(until: deadline, clock: .continuous)
                    throw RequestDeadlinePassed()
                }
                defer { group.cancelAll() }
                _ = try await group.next()
            }
        } catch is RequestDeadlinePassed {
            logger.warning("Azure OpenAI request timed out", metadata: metadata())
            throw AzureOpenAIError(kind: .upstreamTimeout,
                message: "Azure OpenAI did not finish the answer within \(Self.format(configuration.requestTimeout)) "
                    + "(the whole-request timeout). Try again, ask for a shorter answer, or raise the request timeout.")
        }
    }

    private struct RequestDeadlinePassed: Error {}

    private enum AttemptOutcome {
        case completed
        case failed(status: Int, headers: [String: String], envelope: AzureErrorEnvelope?, requestID: String?)
        /// No usable response (connect/first-byte timeout, connection reset …) and nothing was yielded yet.
        case transportFailed(any Error, Phase)
    }

    /// How far an attempt got when the transport failed; decides the wording of the error.
    private enum Phase {
        case beforeHead, beforeText, midStream
    }

    private func attempts(until deadline: ContinuousClock.Instant) async throws {
        let route = ChatCompletionRoute(configuration: configuration)
        let url = route.url(deployment: request.deployment)
        let body: ByteBuffer
        do {
            body = ByteBuffer(bytes: try route.body(for: request))
        } catch {
            throw AzureOpenAIError(kind: .upstreamError, message: "Could not encode the chat request: \(error)")
        }
        var retriesTaken = 0
        var refreshedAfterUnauthorized = false
        var attempt = 0

        while true {
            attempt += 1
            try Task.checkCancellation()
            let header = try await authorizationHeader()
            let mapping = AzureOpenAIErrorMapping(
                deployment: request.deployment, apiVersion: configuration.apiVersion,
                credential: CredentialKind(headerName: header.name, headerValue: header.value))

            let outcome = try await attemptOnce(
                url: url, body: body, header: header, attempt: attempt, deadline: deadline, mapping: mapping)
            switch outcome {
            case .completed:
                return

            case .failed(let status, let headers, let envelope, let requestID):
                // A 401 may be a token that expired or was revoked since it was cached: forget it and
                // try once more with a fresh one; this retry is not one of `maxRetries`.
                if status == 401 && !refreshedAfterUnauthorized {
                    refreshedAfterUnauthorized = true
                    logger.warning("Azure OpenAI answered 401; retrying once with a fresh credential",
                                   metadata: metadata(["attempt": "\(attempt)", "request_id": "\(requestID ?? "-")"]))
                    await client.authenticator.invalidate()
                    continue
                }
                if status == 429 { count("parley_upstream_rate_limited_total") }
                let serverDelay = RetryPolicy.serverDelay(
                    retryAfterMilliseconds: headers["retry-after-ms"], retryAfter: headers["retry-after"],
                    message: status == 429 ? envelope?.message : nil)
                let retryAfterSeconds = serverDelay.map { Int($0.seconds.rounded(.up)) }
                if RetryPolicy.isRetryable(status: status), retriesTaken < configuration.maxRetries,
                    let delay = plannedDelay(serverDelay: serverDelay, retriesTaken: retriesTaken, deadline: deadline)
                {
                    logger.warning("Azure OpenAI answered \(status); retrying",
                                   metadata: metadata(["attempt": "\(attempt)", "delay_ms": "\(Int(delay.seconds * 1000))",
                                                       "request_id": "\(requestID ?? "-")"]))
                    count("parley_upstream_retries_total", reason: "\(status)")
                    try await Task.sleep(for: delay)
                    retriesTaken += 1
                    continue
                }
                throw mapping.error(status: status, envelope: envelope, requestID: requestID,
                                    attempts: attempt, retryAfterSeconds: retryAfterSeconds)

            case .transportFailed(let error, let phase):
                if retriesTaken < configuration.maxRetries,
                    let delay = plannedDelay(serverDelay: nil, retriesTaken: retriesTaken, deadline: deadline)
                {
                    logger.warning("Azure OpenAI could not be reached; retrying",
                                   metadata: metadata(["attempt": "\(attempt)", "delay_ms": "\(Int(delay.seconds * 1000))",
                                                       "error": "\(Self.describe(error))"]))
                    count("parley_upstream_retries_total", reason: "connection")
                    try await Task.sleep(for: delay)
                    retriesTaken += 1
                    continue
                }
                throw transportError(error, attempts: attempt, phase: phase)
            }
        }
    }

    /// Counts an event by deployment (and reason) when the configuration has a metrics factory.
    private func count(_ label: String, reason: String? = nil) {
        guard let factory = configuration.metricsFactory else { return }
        var dimensions = [("deployment", request.deployment)]
        if let reason { dimensions.append(("reason", reason)) }
        Counter(label: label, dimensions: dimensions, factory: factory).increment()
    }

    /// The wait before the next attempt, or nil when none should be made: the server asked for more
    /// than 120 s, or the wait would run past the request deadline.
    private func plannedDelay(serverDelay: Duration?, retriesTaken: Int, deadline: ContinuousClock.Instant) -> Duration? {
        let delay: Duration
        if let serverDelay {
            guard serverDelay.seconds <= RetryPolicy.maximumServerDelay else { return nil }
            delay = serverDelay
        } else {
            delay = RetryPolicy.backoff(retriesTaken: retriesTaken, random: Double.random(in: 0..<1))
        }
        guard ContinuousClock.now + delay < deadline else { return nil }
        return delay
    }

    private func authorizationHeader() async throws -> (name: String, value: String) {
        do {
            return try await client.authenticator.authorizationHeader()
        } catch let error as CancellationError {
            throw error
        } catch let error as AzureOpenAIError {
            throw error
        } catch {
            throw AzureOpenAIError(kind: .credentialUnavailable,
                message: "No credential for Azure OpenAI could be obtained: \(error)")
        }
    }

    private func attemptOnce(url: String, body: ByteBuffer, header: (name: String, value: String), attempt: Int,
                             deadline: ContinuousClock.Instant, mapping: AzureOpenAIErrorMapping) async throws -> AttemptOutcome {
        var httpRequest = HTTPClientRequest(url: url)
        httpRequest.method = .POST
        httpRequest.headers.add(name: "Content-Type", value: "application/json")
        httpRequest.headers.add(name: "Accept", value: "text/event-stream")
        httpRequest.headers.add(name: "x-ms-client-request-id", value: clientRequestID)
        httpRequest.headers.add(name: header.name, value: header.value)
        httpRequest.body = .bytes(body)

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
            return try await stream(response.body, status: status, contentType: response.headers.first(name: "content-type"),
                                    requestID: requestID, attempt: attempt, mapping: mapping)
        }
        var headers: [String: String] = [:]
        for name in ["retry-after-ms", "retry-after"] {
            if let value = response.headers.first(name: name) { headers[name] = value }
        }
        let errorBody: ByteBuffer
        do {
            errorBody = try await response.body.collect(upTo: 64 * 1024)
        } catch {
            if Task.isCancelled { throw CancellationError() }
            errorBody = ByteBuffer()
        }
        let envelope = AzureErrorEnvelope.parse(Data(errorBody.readableBytesView))
        return .failed(status: status, headers: headers, envelope: envelope, requestID: requestID)
    }

    /// Reads the event stream, yielding as it goes. A transport failure before anything was yielded is
    /// reported as `transportFailed` (retryable); after that it ends the call.
    private func stream(_ body: HTTPClientResponse.Body, status: Int, contentType: String?, requestID: String?, attempt: Int,
                        mapping: AzureOpenAIErrorMapping) async throws -> AttemptOutcome {
        var parser = ServerSentEventParser()
        var state = ChatCompletionStreamState()
        var yieldedAny = false
        var skipped = 0

        var dataEvents = 0

        /// Returns true at `[DONE]`.
        func handle(_ event: ServerSentEvent) throws -> Bool {
            dataEvents += 1
            switch state.consume(event.data) {
            case .done:
                return true
            case .unparseable:
                skipped += 1
                // The content is not logged: it may hold the answer's text.
                logger.warning("Skipped an unparseable event in the Azure OpenAI stream",
                               metadata: metadata(["bytes": "\(event.data.utf8.count)", "request_id": "\(requestID ?? "-")"]))
                return false
            case .streamError(let envelope):
                throw mapping.streamError(envelope, requestID: requestID)
            case .events(let events):
                for event in events {
                    if case .terminated = continuation.yield(event) { throw CancellationError() }
                    yieldedAny = true
                }
                return false
            }
        }

        var sawDone = false
        do {
            reading: for try await chunk in body {
                for event in parser.feed(chunk) where try handle(event) {
                    sawDone = true
                    break reading
                }
            }
            if !sawDone {
                for event in parser.finish() where try handle(event) {
                    sawDone = true
                    break
                }
            }
        } catch let error as AzureOpenAIError {
            throw error
        } catch let error as CancellationError {
            throw error
        } catch {
            if Task.isCancelled { throw CancellationError() }
            if !yieldedAny {
                logger.debug("Azure OpenAI stream broke off before any text",
                             metadata: metadata(["attempt": "\(attempt)", "error": "\(Self.describe(error))"]))
                return .transportFailed(error, .beforeText)
            }
            throw transportError(error, attempts: attempt, phase: .midStream)
        }
        if parser.oversizedLines > 0 {
            logger.warning("Dropped oversized lines in the Azure OpenAI stream",
                           metadata: metadata(["lines": "\(parser.oversizedLines)"]))
        }
        if dataEvents == 0 {
            // A 2xx without a single event is not Azure's stream (a proxy's page, a non-streamed body).
            throw AzureOpenAIError(kind: .upstreamError,
                message: "Azure OpenAI answered without an event stream (\(contentType ?? "no content type")). "
                    + "Check that the endpoint is the Azure OpenAI resource itself and not a proxy or portal page.",
                status: status, requestID: requestID)
        }
        if !sawDone {
            logger.debug("Azure OpenAI stream ended without [DONE]", metadata: metadata(["request_id": "\(requestID ?? "-")"]))
        }
        for event in state.finalEvents() {
            if case .terminated = continuation.yield(event) { throw CancellationError() }
        }
        return .completed
    }

    private func transportError(_ error: any Error, attempts: Int, phase: Phase) -> AzureOpenAIError {
        let tries = attempts == 1 ? "1 attempt" : "\(attempts) attempts"
        if let error = error as? HTTPClientError {
            switch error {
            case .connectTimeout:
                return AzureOpenAIError(kind: .upstreamTimeout,
                    message: "Could not connect to Azure OpenAI within \(Self.format(configuration.connectTimeout)) (\(tries)). "
                        + "Check the endpoint and the network path to it (DNS, proxy, firewall).")
            case .deadlineExceeded, .readTimeout where phase == .beforeHead:
                // The head deadline and AHC's idle read timeout both mean "no first byte in time".
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

    private func metadata(_ extra: Logger.Metadata = [:]) -> Logger.Metadata {
        var metadata: Logger.Metadata = [
            "deployment": "\(request.deployment)",
            "client_request_id": "\(clientRequestID)",
        ]
        metadata.merge(extra) { $1 }
        return metadata
    }

    private static func describe(_ error: any Error) -> String {
        String(describing: error)
    }

    private static func format(_ duration: Duration) -> String {
        let seconds = duration.seconds
        return seconds == seconds.rounded() ? "\(Int(seconds)) s" : String(format: "%.1f s", seconds)
    }

    private static func nioDeadline(_ instant: ContinuousClock.Instant) -> NIODeadline {
        let remaining = ContinuousClock.now.duration(to: instant)
        return .now() + (remaining < .zero ? .zero : remaining.timeAmount)
    }
}
