import Foundation
import Hummingbird
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
    }

    let chat: ChatService
    let limits: Limits

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
        var request = request
        let body: ByteBuffer
        do {
            body = try await request.collectBody(upTo: limits.maxBodyBytes)
        } catch is NIOTooManyBytesError {
            throw tooLarge
        }
        let ask = try AskRequest.decode(Data(buffer: body), maxQuestionChars: limits.maxQuestionChars)
        let deployment = try resolve(ask.deployment)
        context.record?.deployment = deployment
        let pending = try await chat.open(ask.question, in: ask.sessionID, deployment: deployment)
        let wantsStream = ask.stream || (request.headers[.accept]?.contains("text/event-stream") ?? false)
        if wantsStream {
            return AnswerStream(pending: pending, channel: context.channel, record: context.record, pingInterval: limits.pingInterval)
                .response()
        }
        // Cancelled when the client goes away, so an abandoned question does not keep the model busy.
        let answer = try await ClientDisconnect.cancelling(on: context.channel) { try await pending.run() }
        context.record?.usage = answer.usage
        return JSONResponse.make(
            AskReply(session_id: answer.sessionID.rawValue, answer: answer.text, deployment: deployment, usage: answer.usage),
            headers: [.xSessionID: answer.sessionID.rawValue])
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

/// The JSON reply of a non-streaming `/ask`.
struct AskReply: Encodable {
    let session_id: String
    let answer: String
    let deployment: String
    let usage: ChatUsage?

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(session_id, forKey: .session_id)
        try container.encode(answer, forKey: .answer)
        try container.encode(deployment, forKey: .deployment)
        try container.encode(usage, forKey: .usage)  // explicit null when unknown
    }

    enum CodingKeys: String, CodingKey { case session_id, answer, deployment, usage }
}
