import Foundation

/// Sessions in this process's memory: least-recently-used eviction beyond `maxSessions`, idle
/// expiry after `idleTTL`, at most `maxTurns` turns each. Time comes from `now`, so tests can move it.
public actor InMemorySessionStore: SessionStore {
    private struct Session {
        var turns: [ChatTurn] = []
        var lastUsed: Date
        var lease: QuestionLease?
        var owner: String?
        var title = ""
        var created: Date
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

    public func beginQuestion(in requested: SessionID?, owner: String?, title: String) throws -> OpenedSession {
        let time = now()
        removeExpired(at: time)
        if let id = requested, var session = sessions.peek(id), session.owner == owner {
            if session.lease != nil { throw SessionStoreError.busy(id) }
            let lease = QuestionLease(sessionID: id)
            session.lease = lease
            session.lastUsed = time
            sessions.set(id, session)
            return OpenedSession(lease: lease, turns: session.turns, isNew: false)
        }
        if let requested, owner != nil { throw SessionStoreError.notFound(requested) }
        let lease = QuestionLease(sessionID: SessionID.random())
        sessions.set(lease.sessionID, Session(lastUsed: time, lease: lease, owner: owner, title: title, created: time))
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

    public func turns(of id: SessionID, owner: String?) -> [ChatTurn]? {
        let time = now()
        removeExpired(at: time)
        guard var session = sessions.peek(id), session.owner == owner else { return nil }
        session.lastUsed = time
        sessions.set(id, session)
        return session.turns
    }

    @discardableResult
    public func delete(_ id: SessionID, owner: String?) -> Bool {
        removeExpired(at: now())
        guard let session = sessions.peek(id), session.owner == owner else { return false }
        sessions.remove(id)
        return true
    }

    /// A scan of every session: fine for one process's bounded memory (PARLEY_MAX_SESSIONS).
    public func sessions(of owner: String, limit: Int, before: Date?) -> [SessionSummary] {
        removeExpired(at: now())
        var found: [SessionSummary] = []
        for (id, session) in sessions.keysAndValues where session.owner == owner {
            if let before, session.lastUsed >= before { continue }
            found.append(SessionSummary(id: id, title: session.title, createdAt: session.created, updatedAt: session.lastUsed))
        }
        found.sort { ($0.updatedAt, $0.id.rawValue) > ($1.updatedAt, $1.id.rawValue) }
        return Array(found.prefix(max(0, limit)))
    }

    public func rename(_ id: SessionID, owner: String?, to title: String) -> Bool {
        removeExpired(at: now())
        guard let session = sessions.peek(id), session.owner == owner else { return false }
        sessions.update(id) { $0.title = title }
        return true
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
