import Foundation
import Hummingbird
import ParleyChat

/// The conversations of the asker: `GET /sessions` (the signed-in user's list), `GET /sessions/{id}`
/// (the conversation without the system prompt; an answer given documents carries its `citations`,
/// the same objects as in the `/ask` answer), `PATCH /sessions/{id}` (rename) and
/// `DELETE /sessions/{id}`. A session that is not the asker's is unknown: 404, the same answer as
/// for an id that never existed, so nobody learns which ids exist.
///
/// Anonymous askers (PARLEY_AUTH=none) have no list (`GET /sessions` is 404, and the page shows no
/// sidebar); their sessions are reachable by id only, as before, and `DELETE` of an unknown id is
/// still 204.
struct SessionController: Sendable {
    let store: any SessionStore

    /// The longest page of `GET /sessions`, and the longest title.
    static let maxListLimit = 100
    static let maxTitleCharacters = 200

    func register(on router: Router<ParleyRequestContext>) {
        router.get("/sessions") { request, context in try await list(request, context) }
        router.get("/sessions/:id") { _, context in try await show(context) }
        router.patch("/sessions/:id") { request, context in try await rename(request, context) }
        router.delete("/sessions/:id") { _, context in try await delete(context) }
    }

    private static let gone = APIError.notFound("No such session; it may have expired. Ask a question to start a new one.")

    private func list(_ request: Request, _ context: ParleyRequestContext) async throws -> Response {
        guard let owner = context.user?.oid else {
            throw APIError.notFound("Conversation lists need sign-in (PARLEY_AUTH=entra); sessions are reachable by id only.")
        }
        let query = request.uri.queryParameters
        var limit = Self.maxListLimit
        if let raw = query.get("limit") {
            guard let value = Int(raw), (1...Self.maxListLimit).contains(value) else {
                throw APIError.invalidRequest("'limit' must be a whole number from 1 to \(Self.maxListLimit).")
            }
            limit = value
        }
        var before: Date?
        if let raw = query.get("before") {
            guard let value = Self.parseTime(raw) else {
                throw APIError.invalidRequest("'before' must be an ISO 8601 time, as in a listed session's 'updated_at'.")
            }
            before = value
        }
        let found = try await store.sessions(of: owner, limit: limit, before: before)
        let listed = found.map {
            Listed(
                session_id: $0.id.rawValue, title: $0.title, created_at: Self.format($0.createdAt),
                updated_at: Self.format($0.updatedAt))
        }
        return JSONResponse.make(
            SessionList(sessions: listed, next_before: found.count == limit ? listed.last?.updated_at : nil),
            headers: [.cacheControl: "no-store"])
    }

    private func show(_ context: ParleyRequestContext) async throws -> Response {
        guard let raw = context.parameters.get("id"), let id = SessionID(validating: raw),
            let turns = try await store.turns(of: id, owner: context.user?.oid)
        else {
            throw Self.gone
        }
        let messages = turns.flatMap { turn in
            [
                Message(role: ChatRole.user.rawValue, content: turn.question),
                Message(role: ChatRole.assistant.rawValue, content: turn.answer, citations: turn.citations?.map(CitationJSON.Body.init)),
            ]
        }
        return JSONResponse.make(Transcript(session_id: id.rawValue, messages: messages))
    }

    private func rename(_ request: Request, _ context: ParleyRequestContext) async throws -> Response {
        guard let raw = context.parameters.get("id"), let id = SessionID(validating: raw) else { throw Self.gone }
        let body = try await request.body.collect(upTo: 16 * 1024)
        let title = try Self.validTitle(from: Data(buffer: body))
        guard try await store.rename(id, owner: context.user?.oid, to: title) else { throw Self.gone }
        return JSONResponse.make(Renamed(session_id: id.rawValue, title: title))
    }

    private func delete(_ context: ParleyRequestContext) async throws -> Response {
        let owner = context.user?.oid
        guard let raw = context.parameters.get("id"), let id = SessionID(validating: raw) else {
            if owner != nil { throw Self.gone }
            return Response(status: .noContent)
        }
        let deleted = try await store.delete(id, owner: owner)
        // A signed-in user learns that the id was not theirs, exactly as for a GET; anonymous
        // deletes stay idempotent as before issue 13.
        if !deleted, owner != nil { throw Self.gone }
        return Response(status: .noContent)
    }

    /// `{"title": "..."}`: 1-200 characters after trimming, no control characters.
    static func validTitle(from body: Data) throws -> String {
        struct Body: Decodable { let title: String }
        guard let decoded = try? JSONDecoder().decode(Body.self, from: body) else {
            throw APIError.invalidRequest("Send JSON like {\"title\": \"Trip to Lisbon\"}.")
        }
        let title = decoded.title.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !title.isEmpty, title.count <= maxTitleCharacters else {
            throw APIError.invalidRequest("A title has 1 to \(maxTitleCharacters) characters.")
        }
        guard !title.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else {
            throw APIError.invalidRequest("A title cannot contain control characters (such as line breaks or tabs).")
        }
        return title
    }

    static func format(_ time: Date) -> String {
        time.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true))
    }

    static func parseTime(_ text: String) -> Date? {
        (try? Date.ISO8601FormatStyle(includingFractionalSeconds: true).parse(text)) ?? (try? Date.ISO8601FormatStyle().parse(text))
    }

    struct SessionList: Encodable {
        let sessions: [Listed]
        /// Pass as `before` for the next page; absent on the last page.
        let next_before: String?
    }

    struct Listed: Encodable {
        let session_id: String
        let title: String
        let created_at: String
        let updated_at: String
    }

    struct Renamed: Encodable {
        let session_id: String
        let title: String
    }

    struct Transcript: Encodable {
        let session_id: String
        let messages: [Message]
    }

    struct Message: Encodable {
        let role: String
        let content: String
        /// On an answer from the documents: the passages it was given, the same objects as in the
        /// `/ask` answer's `citations`. Absent (not null) on every other message.
        var citations: [CitationJSON.Body]? = nil
    }
}
