import Foundation

/// Where conversations live. The in-memory store serves one process; a shared store (PostgreSQL)
/// serves many replicas with the same semantics, checked by one shared test suite.
///
/// Semantics every implementation keeps:
/// - ids are issued by the store; an unknown or expired id opens a new session with a new id;
/// - at most one question per session is in flight (`SessionStoreError.busy` otherwise);
/// - a turn is recorded only through `finishQuestion(_:recording:)` with a non-nil turn;
/// - a session keeps at most `SessionLimits.maxTurns` turns (oldest dropped) and expires after
///   `SessionLimits.idleTTL` without use.
public protocol SessionStore: Sendable {
    /// Opens the requested session (or a new one) and marks a question in flight in it.
    func beginQuestion(in requested: SessionID?) async throws -> OpenedSession
    /// Ends the question in flight; records `turn` when the model answered.
    func finishQuestion(_ lease: QuestionLease, recording turn: ChatTurn?) async throws
    /// The turns of a live session, or nil when it is unknown or expired. Counts as use.
    func turns(of id: SessionID) async throws -> [ChatTurn]?
    /// Forgets a session; unknown ids are fine.
    func delete(_ id: SessionID) async throws
    /// Live sessions, for metrics and readiness.
    func count() async throws -> Int
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
