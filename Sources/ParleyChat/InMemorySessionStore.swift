import Foundation

/// Sessions in this process's memory: least-recently-used eviction beyond `maxSessions`, idle
/// expiry after `idleTTL`, at most `maxTurns` turns each. Time comes from `now`, so tests can move it.
public actor InMemorySessionStore: SessionStore {
    private struct Session {
        var turns: [ChatTurn] = []
        var lastUsed: Date
        var lease: QuestionLease?
    }

    private let limits: SessionLimits
    private let now: @Sendable () -> Date
    private var sessions = LRUDictionary<SessionID, Session>()
    /// `SharedSecretStore`: one process, so memory is shared enough.
    private var sharedSecrets: [String: Data] = [:]

    public init(limits: SessionLimits = SessionLimits(), now: @escaping @Sendable () -> Date = { Date() }) {
        self.limits = limits
        self.now = now
    }

    public func beginQuestion(in requested: SessionID?) throws -> OpenedSession {
        let time = now()
        removeExpired(at: time)
        if let id = requested, var session = sessions.peek(id) {
            if session.lease != nil { throw SessionStoreError.busy(id) }
            let lease = QuestionLease(sessionID: id)
            session.lease = lease
            session.lastUsed = time
            sessions.set(id, session)
            return OpenedSession(lease: lease, turns: session.turns, isNew: false)
        }
        let lease = QuestionLease(sessionID: SessionID.random())
        sessions.set(lease.sessionID, Session(lastUsed: time, lease: lease))
        evictBeyondCapacity()
        return OpenedSession(lease: lease, turns: [], isNew: true)
    }

    public func finishQuestion(_ lease: QuestionLease, recording turn: ChatTurn?) {
        // The session may have been deleted or evicted meanwhile: then there is nothing to record into.
        guard let session = sessions.peek(lease.sessionID), session.lease == lease else { return }
        let maxTurns = limits.maxTurns
        let time = now()
        sessions.update(lease.sessionID) { session in
            session.lease = nil
            session.lastUsed = time
            if let turn {
                session.turns.append(turn)
                if session.turns.count > maxTurns {
                    session.turns.removeFirst(session.turns.count - maxTurns)
                }
            }
        }
        if let session = sessions.peek(lease.sessionID) {
            sessions.set(lease.sessionID, session)
        }
    }

    public func turns(of id: SessionID) -> [ChatTurn]? {
        let time = now()
        removeExpired(at: time)
        guard var session = sessions.peek(id) else { return nil }
        session.lastUsed = time
        sessions.set(id, session)
        return session.turns
    }

    public func delete(_ id: SessionID) {
        sessions.remove(id)
    }

    public func count() -> Int {
        removeExpired(at: now())
        return sessions.count
    }

    /// The least recently used sessions are the longest idle, so expiry only looks at the old end.
    private func removeExpired(at time: Date) {
        let ttl = TimeInterval(limits.idleTTL.components.seconds)
        while let oldest = sessions.oldestKey, let session = sessions.peek(oldest),
            time.timeIntervalSince(session.lastUsed) >= ttl
        {
            sessions.remove(oldest)
        }
    }

    private func evictBeyondCapacity() {
        while sessions.count > limits.maxSessions, let oldest = sessions.oldestKey {
            sessions.remove(oldest)
        }
    }
}

extension InMemorySessionStore: SharedSecretStore {
    public func sharedSecret(named name: String, make: @Sendable () -> Data) -> Data {
        if let existing = sharedSecrets[name] { return existing }
        let made = make()
        sharedSecrets[name] = made
        return made
    }
}
