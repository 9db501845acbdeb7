import Foundation
import Hummingbird
import Logging
import NIOCore
import ParleyChat

/// `POST /ask`: one question, answered as JSON or as an event stream.
struct AskController: Sendable {
    struct Limits: Sendable {
        var maxBodyBytes: Int
        var maxQuestionChars: Int
        var deployments: [String]
        var defaultDeployment: String
        var pingInterval: Duration
        /// The request body must arrive within this (PARLEY_BODY_TIMEOUT).
        var bodyTimeout: Duration
    }

    let chat: ChatService
    let limits: Limits
    let admission: AnswerAdmission
    /// Questions per minute and tokens per day, per user or client address.
    let limiter: UsageLimiter
    let proxies: TrustedProxies
    /// Counts questions refused by load shedding.
    let onShed: @Sendable () -> Void

    func register(on router: Router<ParleyRequestContext>) {
        router.post("/ask") { request, context in try await ask(request, context: context) }
    }

    func ask(_ request: Request, context: ParleyRequestContext) async throws -> Response {
        let contentType = request.headers[.contentType]?.lowercased() ?? ""
        guard contentType.hasPrefix("application/json") else {
            throw APIError(
                .unsupportedMediaType, "unsupported_media_type",
                "Send the question as JSON with 'Content-Type: application/json'.")
        }
        if let length = request.headers[.contentLength].flatMap(Int.init), length > limits.maxBodyBytes {
            throw tooLarge
        }
        let body = try await collectBody(of: request, channel: context.channel)
        let ask = try AskRequest.decode(Data(buffer: body), maxQuestionChars: limits.maxQuestionChars)
        let deployment = try resolve(ask.deployment)
        context.record?.deployment = deployment
        let limitKey = LimitKey.of(request, context: context, proxies: proxies)
        if limiter.isOn { try await limiter.admit(limitKey) }
        guard let slot = admission.admit() else {
            onShed()
            throw APIError(
                .serviceUnavailable, "overloaded",
                "Parley is answering as many questions as it can right now (\(admission.limit)). Try again in a few seconds.",
                retryAfterSeconds: 2)
        }
        let pending: PendingAnswer
        do {
            pending = try await chat.open(
                ask.question, in: ask.sessionID, owner: context.user?.oid, deployment: deployment,
                onUsage: tokenCounter(for: limitKey, logger: context.logger))
        } catch {
            slot.release()
            throw error
        }
        let wantsStream = ask.stream || (request.headers[.accept]?.contains("text/event-stream") ?? false)
        if wantsStream {
            return AnswerStream(
                pending: pending, channel: context.channel, record: context.record, pingInterval: limits.pingInterval,
                slot: slot, requestID: context.id, logger: context.logger
            ).response()
        }
        defer { slot.release() }
        // Cancelled when the client goes away, so an abandoned question does not keep the model busy.
        let answer = try await ClientGone.translating(on: context.channel) {
            try await ClientDisconnect.cancelling(on: context.channel) { try await pending.run() }
        }
        context.record?.usage = answer.usage
        return JSONResponse.make(
            json: AnswerJSON.reply(
                sessionID: answer.sessionID.rawValue, answer: answer.text, deployment: deployment, usage: answer.usage,
                finishReason: answer.finishReason, citations: answer.citations),
            headers: [.xSessionID: answer.sessionID.rawValue])
    }

    /// Adds an answer's tokens to the asker's daily budget (nil when there is no budget). A store
    /// failure here is logged: the answer is already delivered.
    private func tokenCounter(for key: String, logger: Logger) -> (@Sendable (ChatUsage) async -> Void)? {
        guard limiter.dailyTokenBudget > 0 else { return nil }
        let limiter = self.limiter
        return { usage in
            do {
                try await limiter.record(usage, for: key)
            } catch {
                logger.warning("could not count the answer's tokens", metadata: ["error": "\(error)"])
            }
        }
    }

    /// The body, bounded in size and in time: a client that stops sending gets 408 instead of
    /// holding its connection (and a task) forever.
    private func collectBody(of request: Request, channel: any Channel) async throws -> ByteBuffer {
        do {
            return try await RequestBodyDeadline.collect(
                request, upTo: limits.maxBodyBytes, within: limits.bodyTimeout, channel: channel)
        } catch is NIOTooManyBytesError {
            throw tooLarge
        } catch is RequestBodyDeadline.Passed {
            throw APIError(
                .requestTimeout, "request_timeout",
                "The request body did not arrive within \(limits.bodyTimeout.components.seconds) s (PARLEY_BODY_TIMEOUT). Send it again.")
        }
    }

    private var tooLarge: APIError {
        APIError(.contentTooLarge, "payload_too_large", "The request body is larger than \(limits.maxBodyBytes) bytes (PARLEY_MAX_BODY_BYTES).")
    }

    private func resolve(_ requested: String?) throws -> String {
        guard let requested else { return limits.defaultDeployment }
        guard limits.deployments.contains(requested) else {
            throw APIError.invalidRequest(
                "Unknown deployment '\(requested)'; available: \(limits.deployments.joined(separator: ", ")).")
        }
        return requested
    }
}
