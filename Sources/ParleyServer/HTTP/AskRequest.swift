import Foundation
import ParleyChat

/// The body of `POST /ask`, validated: every bad input gets a message naming the field.
struct AskRequest: Sendable {
    var question: String
    var sessionID: SessionID?
    var deployment: String?
    var stream: Bool

    private struct Body: Decodable {
        var question: String?
        var session_id: String?
        var deployment: String?
        var stream: Bool?
    }

    static func decode(_ data: Data, maxQuestionChars: Int) throws(APIError) -> AskRequest {
        let body: Body
        do {
            body = try JSONDecoder().decode(Body.self, from: data)
        } catch DecodingError.typeMismatch(_, let context) where !context.codingPath.isEmpty {
            let field = context.codingPath.map(\.stringValue).joined(separator: ".")
            let expected = field == "stream" ? "true or false" : "a string"
            throw .invalidRequest("'\(field)' must be \(expected).")
        } catch DecodingError.typeMismatch {
            throw .invalidRequest("The body must be a JSON object such as {\"question\": \"…\"}.")
        } catch {
            throw APIError(.badRequest, "invalid_json", "The body is not valid JSON; send an object such as {\"question\": \"…\"}.")
        }
        guard let question = body.question else {
            throw .invalidRequest("'question' is required.")
        }
        guard !question.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
            throw .invalidRequest("'question' is empty.")
        }
        guard question.count <= maxQuestionChars else {
            throw .invalidRequest("'question' has \(question.count) characters; the limit is \(maxQuestionChars).")
        }
        // An id Parley could not have issued is treated like an unknown one: a new session starts.
        let sessionID = body.session_id.flatMap(SessionID.init(validating:))
        return AskRequest(question: question, sessionID: sessionID, deployment: body.deployment, stream: body.stream ?? false)
    }
}
