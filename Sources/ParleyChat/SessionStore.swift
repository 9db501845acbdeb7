import Foundation

/// Where conversations live. The in-memory store serves one process; a shared store (PostgreSQL)
/// serves many replicas with the same semantics, checked by one shared test suite.
///
/// Semantics every implementation keeps:
/// - ids are issued by the store; an unknown or expired id opens a new session with a new id;
/// - a session belongs to its owner (a signed-in user's object id, or nil when anonymous) and is
///   visible only to that owner: to anyone else it is unknown. A signed-in owner asking in an id
///   that is not theirs (unknown, expired or someone else's) gets `SessionStoreError.notFound`,
///   the same answer for all three, so nobody learns whether an id exists; anonymous callers keep
///   the old rule (a new session);
/// - a session has a title (from its first question) and its creation and last-use times;
/// - at most one question per session is in flight (`SessionStoreError.busy` otherwise);
/// - a turn is recorded only through `finishQuestion(_:recording:)` with a non-nil turn;
/// - a session keeps at most `SessionLimits.maxTurns` turns (oldest dropped) and expires after
///   `SessionLimits.idleTTL` without use.
public protocol SessionStore: Sendable {
    /// Opens the requested session of `owner` (or a new one titled `title`) and marks a question in flight in it.
    func beginQuestion(in requested: SessionID?, owner: String?, title: String) async throws -> OpenedSession
    /// Ends the question in flight; records `turn` when the model answered.
    func finishQuestion(_ lease: QuestionLease, recording turn: ChatTurn?) async throws
    /// The turns of a live session of `owner`, or nil when it is unknown, expired or not theirs. Counts as use.
    func turns(of id: SessionID, owner: String?) async throws -> [ChatTurn]?
    /// Forgets a session of `owner`; returns false when there was none (unknown ids are fine).
    @discardableResult
    func delete(_ id: SessionID, owner: String?) async throws -> Bool
    /// The live sessions of a signed-in owner, most recently used first, at most `limit`, only
    /// those last used before `before` when given (the cursor of the next page).
    func sessions(of owner: String, limit: Int, before: Date?) async throws -> [SessionSummary]
    /// Renames a live session of `owner`; false when there is none. Does not count as use.
    func rename(_ id: SessionID, owner: String?, to title: String) async throws -> Bool
    /// Live sessions, for metrics and readiness.
    func count() async throws -> Int
}

extension SessionStore {
    /// An anonymous question (PARLEY_AUTH=none), without a title.
    public func beginQuestion(in requested: SessionID?) async throws -> OpenedSession {
        try await beginQuestion(in: requested, owner: nil, title: "")
    }

    /// The turns of an anonymous session.
    public func turns(of id: SessionID) async throws -> [ChatTurn]? {
        try await turns(of: id, owner: nil)
    }

    /// Forgets an anonymous session.
    public func delete(_ id: SessionID) async throws {
        try await delete(id, owner: nil)
    }
}

/// One line of a user's conversation list.
public struct SessionSummary: Sendable, Equatable {
    public var id: SessionID
    public var title: String
    public var createdAt: Date
    public var updatedAt: Date

    public init(id: SessionID, title: String, createdAt: Date, updatedAt: Date) {
        self.id = id
        self.title = title
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }

    /// A title from a question: its first line, whitespace collapsed, at most `maxCharacters`.
    public static func title(from question: String, maxCharacters: Int = 80) -> String {
        let words = question.split(whereSeparator: { $0.isWhitespace || $0.isNewline }).joined(separator: " ")
        let clean = String(String.UnicodeScalarView(words.unicodeScalars.filter { $0.properties.generalCategory != .control }))
        guard clean.count > maxCharacters else { return clean }
        return String(clean.prefix(maxCharacters - 1)) + "…"
    }
}

/// Proof that the holder may answer the next question of a session.
public struct QuestionLease: Sendable, Hashable {
    public let sessionID: SessionID
    public let token: UUID

    public init(sessionID: SessionID, token: UUID = UUID()) {
        self.sessionID = sessionID
        self.token = token
    }
}

/// A session ready for a question.
public struct OpenedSession: Sendable {
    public let lease: QuestionLease
    /// Earlier turns, oldest first.
    public let turns: [ChatTurn]
    /// True when the requested id was unknown, expired or absent.
    public let isNew: Bool

    public var id: SessionID { lease.sessionID }

    public init(lease: QuestionLease, turns: [ChatTurn], isNew: Bool) {
        self.lease = lease
        self.turns = turns
        self.isNew = isNew
    }
}

public enum SessionStoreError: Error, Sendable, Equatable {
    /// A question in this session is still being answered.
    case busy(SessionID)
    /// The session is unknown, expired or someone else's (only for a signed-in owner).
    case notFound(SessionID)
    /// The store cannot be reached (shared stores only).
    case unavailable(String)
}

/// Bounds on memory, from PARLEY_MAX_SESSIONS, PARLEY_SESSION_TTL and PARLEY_MAX_TURNS.
public struct SessionLimits: Sendable, Equatable {
    public var maxSessions: Int
    public var idleTTL: Duration
    public var maxTurns: Int

    public init(maxSessions: Int = 10_000, idleTTL: Duration = .seconds(3600), maxTurns: Int = 200) {
        self.maxSessions = maxSessions
        self.idleTTL = idleTTL
        self.maxTurns = maxTurns
    }
}
