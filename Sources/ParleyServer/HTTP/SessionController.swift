import Hummingbird
import ParleyChat

/// `GET /sessions/{id}` (the conversation without the system prompt) and `DELETE /sessions/{id}`.
struct SessionController: Sendable {
    let store: any SessionStore

    func register(on router: Router<ParleyRequestContext>) {
        router.get("/sessions/:id") { _, context in try await show(context) }
        router.delete("/sessions/:id") { _, context in try await delete(context) }
    }

    private func show(_ context: ParleyRequestContext) async throws -> Response {
        guard let raw = context.parameters.get("id"), let id = SessionID(validating: raw),
            let turns = try await store.turns(of: id)
        else {
            throw APIError.notFound("No such session; it may have expired. Ask a question to start a new one.")
        }
        let messages = turns.flatMap(\.messages).map { Message(role: $0.role.rawValue, content: $0.content) }
        return JSONResponse.make(Transcript(session_id: id.rawValue, messages: messages))
    }

    private func delete(_ context: ParleyRequestContext) async throws -> Response {
        if let raw = context.parameters.get("id"), let id = SessionID(validating: raw) {
            try await store.delete(id)
        }
        return Response(status: .noContent)
    }

    struct Transcript: Encodable {
        let session_id: String
        let messages: [Message]
    }

    struct Message: Encodable {
        let role: String
        let content: String
    }
}
