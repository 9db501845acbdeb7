import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import ParleyOutbound

/// One embeddings request (one batch): its attempts and retry decisions. The rules are the chat
/// call's (`ChatCompletionCall`): one retry with a fresh token after a 401 that a new token can fix,
/// `RetryPolicy.azureOpenAI` for 408/429/5xx and connection errors (the server's `retry-after-ms` /
/// `Retry-After` first), no retry whose wait would pass the whole-request timeout, and the same
/// `AzureOpenAIErrorMapping` for what finally fails.
struct EmbeddingsCall: Sendable {
    let client: AzureOpenAIEmbeddingsClient
    let inputs: [String]
    /// Sent as `x-ms-client-request-id` and logged, to correlate with Azure's logs.
    let clientRequestID = UUID().uuidString.lowercased()

    /// The largest response read: 16 inputs × 3072 dimensions as JSON text is about 1 MiB.
    static let responseLimit = 32 << 20

    var configuration: AzureOpenAIConfiguration { client.configuration }
    var deployment: String { client.deployment }

    private enum Outcome {
        case vectors([[Float]])
        case failed(status: Int, headers: HTTPHeaders, envelope: AzureErrorEnvelope?, requestID: String?)
        case transportFailed(any Error)
    }

    func run() async throws -> [[Float]] {
        let deadline = ContinuousClock.now + configuration.requestTimeout
        var request = HTTPClientRequest(url: client.url)
        request.method = .POST
        request.headers = ["Content-Type": "application/json", "Accept": "application/json"]
        request.headers.add(name: "x-ms-client-request-id", value: clientRequestID)
        request.body = .bytes(EmbeddingsWire.body(inputs: inputs, model: configuration.usesV1Route ? deployment : nil))

        var retriesTaken = 0
        var refreshedAfterUnauthorized = false
        var attempt = 0
        while true {
            attempt += 1
            try Task.checkCancellation()
            let header = try await client.authenticator.headerForRequest()
            var attemptRequest = request
            attemptRequest.headers.add(name: header.name, value: header.value)

            switch try await attemptOnce(attemptRequest, attempt: attempt, deadline: deadline) {
            case .vectors(let vectors):
                return vectors

            case .failed(let status, let headers, let envelope, let requestID):
                if status == 401, !refreshedAfterUnauthorized,
                    ChatCompletionCall.refreshCanHelp(header: header, envelope: envelope)
                {
                    refreshedAfterUnauthorized = true
                    client.logger.warning("Azure OpenAI embeddings answered 401; retrying once with a fresh credential",
                                          metadata: metadata(["attempt": "\(attempt)"]))
                    await client.authenticator.invalidate(rejected: header)
                    continue
                }
                if status == 429 { client.counters.increment(UpstreamCounters.rateLimited, deployment: deployment) }
                let serverDelay = configuration.retry.serverDelay(
                    retryAfterMilliseconds: headers.first(name: "retry-after-ms"), retryAfter: headers.first(name: "retry-after"),
                    message: status == 429 ? envelope?.message : nil)
                if configuration.retry.isRetryable(status: status), retriesTaken < configuration.retry.maxRetries,
                    let delay = configuration.retry.delay(retriesTaken: retriesTaken, serverDelay: serverDelay, before: deadline)
                {
                    client.logger.warning("Azure OpenAI embeddings answered \(status); retrying",
                        metadata: metadata(["attempt": "\(attempt)", "delay_ms": "\(delay.milliseconds)",
                                            "request_id": "\(requestID ?? "-")"]))
                    client.counters.increment(UpstreamCounters.retries, deployment: deployment, reason: "\(status)")
                    try await client.sleep(delay)
                    retriesTaken += 1
                    continue
                }
                let mapping = AzureOpenAIErrorMapping(
                    deployment: deployment, apiVersion: configuration.apiVersion,
                    credential: RequestAuthorization(headerName: header.name, headerValue: header.value,
                                                     decodeClaims: status == 401))
                var error = mapping.error(status: status, envelope: envelope, requestID: requestID, attempts: attempt,
                                          retryAfterSeconds: serverDelay.map(RetryAfter.wholeSeconds),
                                          location: headers.first(name: "location"))
                error.retryAfter = serverDelay
                throw error

            case .transportFailed(let error):
                if retriesTaken < configuration.retry.maxRetries, ContinuousClock.now < deadline,
                    let delay = configuration.retry.delay(retriesTaken: retriesTaken, serverDelay: nil, before: deadline)
                {
                    client.logger.warning("Azure OpenAI embeddings could not be reached; retrying",
                        metadata: metadata(["attempt": "\(attempt)", "delay_ms": "\(delay.milliseconds)",
                                            "error": "\(String(describing: error))"]))
                    client.counters.increment(UpstreamCounters.retries, deployment: deployment, reason: "connection")
                    try await client.sleep(delay)
                    retriesTaken += 1
                    continue
                }
                throw transportError(error, attempts: attempt)
            }
        }
    }

    private func attemptOnce(_ request: HTTPClientRequest, attempt: Int,
                             deadline: ContinuousClock.Instant) async throws -> Outcome {
        let remaining = ContinuousClock.now.duration(to: deadline)
        let body: ByteBuffer
        let response: HTTPClientResponse
        do {
            // No logger is handed to AHC: its request logging is not ours to vet for secrets.
            response = try await client.httpClient.execute(request, deadline: .now() + max(remaining, .zero).timeAmount)
            body = try await response.body.collect(upTo: Self.responseLimit)
        } catch {
            if Task.isCancelled { throw CancellationError() }
            return .transportFailed(error)
        }
        let status = Int(response.status.code)
        let requestID = response.headers.first(name: "apim-request-id") ?? response.headers.first(name: "x-request-id")
        client.logger.debug("Azure OpenAI embeddings responded",
            metadata: metadata(["status": "\(status)", "attempt": "\(attempt)", "inputs": "\(inputs.count)",
                                "request_id": "\(requestID ?? "-")"]))
        let data = Data(body.readableBytesView)
        guard (200..<300).contains(status) else {
            return .failed(status: status, headers: response.headers, envelope: AzureErrorEnvelope.parse(data),
                           requestID: requestID)
        }
        guard let vectors = EmbeddingsWire.vectors(from: data, expected: inputs.count) else {
            throw AzureOpenAIError(kind: .upstreamError,
                message: "Azure OpenAI answered the embeddings request for '\(deployment)' with a body that is not "
                    + "one embedding per input. Check that the deployment is an embeddings model "
                    + "(such as text-embedding-3-small), not a chat model.",
                status: status, requestID: requestID)
        }
        return .vectors(vectors)
    }

    private func transportError(_ error: any Error, attempts: Int) -> AzureOpenAIError {
        let tries = attempts == 1 ? "1 attempt" : "\(attempts) attempts"
        if let error = error as? HTTPClientError,
            error == .deadlineExceeded || error == .readTimeout || error == .connectTimeout
        {
            return AzureOpenAIError(kind: .upstreamTimeout,
                message: "Azure OpenAI did not answer the embeddings request within the timeout (\(tries)). "
                    + "The service may be overloaded; try again later.")
        }
        return AzureOpenAIError(kind: .upstreamError,
            message: "Could not reach Azure OpenAI for embeddings after \(tries) (\(String(describing: error))). "
                + "Check the endpoint and the network path to it, then try again.")
    }

    private func metadata(_ extra: Logger.Metadata) -> Logger.Metadata {
        var metadata: Logger.Metadata = ["deployment": "\(deployment)", "client_request_id": "\(clientRequestID)"]
        metadata.merge(extra) { $1 }
        return metadata
    }
}
