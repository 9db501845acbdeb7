import Foundation
import Logging
import ParleyChat
import ParleyOutbound
import PostgresNIO
import ServiceLifecycle

/// Sessions in PostgreSQL, shared by every replica, with the in-memory store's semantics (the
/// shared suite in Tests/ParleySessionStoreTests runs against both):
/// - ids are issued here; an unknown or expired id opens a new session;
/// - one question per session at a time, across replicas: `beginQuestion` takes a lease (a random
///   token and an expiry, `leaseDuration`) in one atomic UPDATE; another replica sees it and gets
///   `busy`. `finishQuestion` clears it. If the replica dies mid-answer the lease lapses by itself
///   after `leaseDuration`, so a session is never stuck. (An advisory lock would be released when
///   the dead replica's connection is noticed, but holds one pooled connection per question in
///   flight and needs TCP keepalives to notice a vanished node; the lease needs neither.)
/// - a turn is recorded only by `finishQuestion` with a turn, and only by the lease's holder;
/// - at most `maxTurns` turns (oldest dropped), LRU eviction beyond `maxSessions`, idle expiry
///   after `idleTTL`; expired rows are deleted by `run()`'s sweep.
/// Any database failure becomes `SessionStoreError.unavailable` with a reason a person can act on
/// (503 store_unavailable); the pool reconnects by itself when the database is back.
public final class PostgresSessionStore: SessionStore, Service {
    let options: PostgresSessionStoreOptions
    private let source: PostgresConnectionSource
    private let schema: SchemaGate
    private let explainer: OutageExplainer
    let logger: Logger
    var storeLogger: Logger { logger }
    private let encoder = JSONEncoder()

    /// - Parameter password: the password for new connections, asked whenever a connection pool is
    ///   made: fixed, or a Microsoft Entra token from the process's token cache.
    public init(
        settings: PostgresConnectionSettings, options: PostgresSessionStoreOptions,
        password: @escaping @Sendable () async throws -> String?, logger: Logger
    ) {
        self.options = options
        self.logger = logger
        source = PostgresConnectionSource(
            settings: settings, password: password, searchPath: options.searchPath, connectTimeout: options.connectTimeout,
            logger: logger)
        schema = SchemaGate(logger: logger)
        explainer = OutageExplainer(settings: settings, password: password)
    }

    // MARK: Service

    /// Creates or migrates the schema, then deletes expired sessions every `sweepInterval` until
    /// graceful shutdown (which comes after the HTTP server's, so in-flight answers can still be
    /// recorded), then closes the connections.
    public func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                do {
                    let removed = try await self.removeExpired()
                    if removed > 0 { self.logger.debug("expired sessions removed", metadata: ["count": "\(removed)"]) }
                } catch {
                    self.logger.warning("could not remove expired sessions", metadata: ["error": "\(error)"])
                }
                try? await Task.sleep(for: self.options.sweepInterval)
            }
        }
        await shutdown()
    }

    /// Closes every connection; later operations fail as unavailable.
    public func shutdown() async {
        await source.close()
    }

    // MARK: SessionStore

    public func beginQuestion(in requested: SessionID?, owner: String?, title: String) async throws -> OpenedSession {
        let time = options.now()
        let lease = QuestionLease(sessionID: requested ?? SessionID.random())
        let until = time.addingTimeInterval(options.leaseDuration.seconds)
        let cutoff = time.addingTimeInterval(-options.limits.idleTTL.seconds)
        if let requested {
            // One statement: take the lease if it is free (or lapsed), and tell which it was.
            let rows = try await perform { client in
                try await client.query(
                    """
                    UPDATE parley_sessions SET
                        lease = CASE WHEN lease IS NULL OR lease_until <= \(time) THEN \(lease.token) ELSE lease END,
                        lease_until = CASE WHEN lease IS NULL OR lease_until <= \(time) THEN \(until) ELSE lease_until END,
                        last_used = CASE WHEN lease IS NULL OR lease_until <= \(time) THEN \(time) ELSE last_used END,
                        touch = CASE WHEN lease IS NULL OR lease_until <= \(time) THEN nextval('parley_session_touch') ELSE touch END
                    WHERE id = \(requested.rawValue) AND last_used > \(cutoff) AND owner IS NOT DISTINCT FROM \(owner)
                    RETURNING lease = \(lease.token), turns::text
                    """, logger: self.logger
                ).collect(decoding: (Bool, String).self)
            }
            if let (acquired, turns) = rows.first {
                guard acquired else { throw SessionStoreError.busy(requested) }
                return OpenedSession(lease: lease, turns: try decodeTurns(turns), isNew: false)
            }
            if owner != nil { throw SessionStoreError.notFound(requested) }
        }
        let fresh = QuestionLease(sessionID: SessionID.random(), token: lease.token)
        let maxSessions = options.limits.maxSessions
        try await perform { client in
            // `perform` runs this again after an attempt that timed out or lost its connection, which
            // may have landed: the id is this call's own random one, so finding it means it did.
            try await client.query(
                """
                INSERT INTO parley_sessions (id, last_used, lease, lease_until, owner, title, created_at)
                VALUES (\(fresh.sessionID.rawValue), \(time), \(fresh.token), \(until), \(owner), \(title), \(time))
                ON CONFLICT (id) DO NOTHING
                """, logger: self.logger)
            // Least recently used beyond capacity, counting live sessions only (as the in-memory store).
            try await client.query(
                """
                DELETE FROM parley_sessions WHERE touch <= (
                    SELECT touch FROM parley_sessions WHERE last_used > \(cutoff)
                    ORDER BY touch DESC OFFSET \(maxSessions) LIMIT 1)
                """, logger: self.logger)
        }
        return OpenedSession(lease: fresh, turns: [], isNew: true)
    }

    public func finishQuestion(_ lease: QuestionLease, recording turn: ChatTurn?) async throws {
        let time = options.now()
        let turnJSON: String? = try turn.map { String(decoding: try encoder.encode([$0]), as: UTF8.self) }
        let maxTurns = options.limits.maxTurns
        // Only the lease's holder writes; a deleted session or a lapsed lease makes this a no-op,
        // which also makes a retry after a lost reply harmless.
        try await perform { client in
            try await client.query(
                """
                UPDATE parley_sessions SET
                    lease = NULL, lease_until = NULL, last_used = \(time), touch = nextval('parley_session_touch'),
                    turns = CASE WHEN \(turnJSON)::text IS NULL THEN turns ELSE (
                        SELECT coalesce(jsonb_agg(element ORDER BY position), '[]'::jsonb)
                        FROM jsonb_array_elements(turns || \(turnJSON)::jsonb) WITH ORDINALITY AS t(element, position)
                        WHERE position > jsonb_array_length(turns || \(turnJSON)::jsonb) - \(maxTurns)) END
                WHERE id = \(lease.sessionID.rawValue) AND lease = \(lease.token)
                """, logger: self.logger)
        }
    }

    public func turns(of id: SessionID, owner: String?) async throws -> [ChatTurn]? {
        let time = options.now()
        let cutoff = time.addingTimeInterval(-options.limits.idleTTL.seconds)
        let rows = try await perform { client in
            try await client.query(
                """
                UPDATE parley_sessions SET last_used = \(time), touch = nextval('parley_session_touch')
                WHERE id = \(id.rawValue) AND last_used > \(cutoff) AND owner IS NOT DISTINCT FROM \(owner)
                RETURNING turns::text
                """, logger: self.logger
            ).collect(decoding: String.self)
        }
        return try rows.first.map(decodeTurns)
    }

    @discardableResult
    public func delete(_ id: SessionID, owner: String?) async throws -> Bool {
        let cutoff = options.now().addingTimeInterval(-options.limits.idleTTL.seconds)
        let rows = try await perform { client in
            try await client.query(
                """
                WITH gone AS (DELETE FROM parley_sessions
                    WHERE id = \(id.rawValue) AND owner IS NOT DISTINCT FROM \(owner) RETURNING last_used)
                SELECT count(*) FROM gone WHERE last_used > \(cutoff)
                """, logger: self.logger
            ).collect(decoding: Int.self)
        }
        return (rows.first ?? 0) > 0
    }

    public func sessions(of owner: String, limit: Int, before: Date?) async throws -> [SessionSummary] {
        let cutoff = options.now().addingTimeInterval(-options.limits.idleTTL.seconds)
        let limit = max(0, limit)
        return try await perform { client in
            let rows = try await client.query(
                """
                SELECT id, title, coalesce(created_at, last_used), last_used FROM parley_sessions
                WHERE owner = \(owner) AND last_used > \(cutoff)
                    AND (\(before)::timestamptz IS NULL OR last_used < \(before)::timestamptz)
                ORDER BY last_used DESC, id DESC LIMIT \(limit)
                """, logger: self.logger)
            var found: [SessionSummary] = []
            for try await (id, title, created, updated) in rows.decode((String, String, Date, Date).self) {
                guard let id = SessionID(validating: id) else { continue }
                found.append(SessionSummary(id: id, title: title, createdAt: created, updatedAt: updated))
            }
            return found
        }
    }

    public func rename(_ id: SessionID, owner: String?, to title: String) async throws -> Bool {
        let cutoff = options.now().addingTimeInterval(-options.limits.idleTTL.seconds)
        let rows = try await perform { client in
            try await client.query(
                """
                UPDATE parley_sessions SET title = \(title)
                WHERE id = \(id.rawValue) AND last_used > \(cutoff) AND owner IS NOT DISTINCT FROM \(owner)
                RETURNING 1
                """, logger: self.logger
            ).collect(decoding: Int.self)
        }
        return !rows.isEmpty
    }

    public func count() async throws -> Int {
        let cutoff = options.now().addingTimeInterval(-options.limits.idleTTL.seconds)
        let rows = try await perform { client in
            try await client.query("SELECT count(*) FROM parley_sessions WHERE last_used > \(cutoff)", logger: self.logger)
                .collect(decoding: Int.self)
        }
        return rows.first ?? 0
    }

    // MARK: Maintenance

    /// Deletes sessions idle for longer than the TTL; returns how many.
    @discardableResult
    public func removeExpired() async throws -> Int {
        let cutoff = options.now().addingTimeInterval(-options.limits.idleTTL.seconds)
        try await removeOldCounters()
        let rows = try await perform { client in
            try await client.query(
                "WITH gone AS (DELETE FROM parley_sessions WHERE last_used <= \(cutoff) RETURNING 1) SELECT count(*) FROM gone",
                logger: self.logger
            ).collect(decoding: Int.self)
        }
        return rows.first ?? 0
    }

    /// nil when the database answers (and the schema is in place), else why not: for /readyz.
    public func readiness() async -> String? {
        do {
            try await perform { client in try await client.query("SELECT 1", logger: self.logger) }
            return nil
        } catch SessionStoreError.unavailable(let reason) {
            return "the session store is unavailable: \(reason)"
        } catch {
            return "the session store is unavailable: \(error)"
        }
    }

    // MARK: Plumbing

    /// Runs `body` with a client, within `operationTimeout`, after the schema is in place. A lost
    /// connection is retried on another (a restarted database leaves stale connections in the pool);
    /// a pool still backing off from an outage that is over is replaced; every other failure
    /// becomes `SessionStoreError.unavailable` with the reason. `repeatable: false` is for a body
    /// that must not run twice (a counter's increment): an attempt that timed out or lost its
    /// connection may have landed, so it is reported instead of retried.
    @discardableResult
    func perform<T: Sendable>(
        repeatable: Bool = true, _ body: @escaping @Sendable (PostgresClient) async throws -> T
    ) async throws -> T {
        var attempt = 0
        var renewed = false
        while true {
            attempt += 1
            if let reason = await explainer.recentOutage() {
                throw SessionStoreError.unavailable(reason)
            }
            do {
                let limit = options.operationTimeout
                return try await Deadline.runAbandoning(within: limit, timedOut: { PostgresStoreFailure.timedOut(limit) }) {
                    let client = try await self.source.client()
                    try await self.schema.ensure(client)
                    return try await body(client)
                }
            } catch is CancellationError where Task.isCancelled {
                throw CancellationError()
            } catch let error as SessionStoreError {
                throw error
            } catch {
                let failure = PostgresStoreFailure(error)
                if failure.isConnectionLost && attempt < 3 && repeatable { continue }
                let diagnosis = await explainer.diagnose(failure)
                if diagnosis.reachable && !renewed && repeatable {
                    renewed = true
                    logger.info("PostgreSQL answers again; replacing the connection pool that is still backing off")
                    await source.renew()
                    continue
                }
                logger.warning("session store operation failed", metadata: ["reason": "\(diagnosis.reason)"])
                throw SessionStoreError.unavailable(diagnosis.reason)
            }
        }
    }

    private func decodeTurns(_ json: String) throws -> [ChatTurn] {
        do {
            return try JSONDecoder().decode([ChatTurn].self, from: Data(json.utf8))
        } catch {
            throw SessionStoreError.unavailable("a stored session could not be read (\(error))")
        }
    }
}

extension PostgresRowSequence {
    /// All rows decoded as `T`.
    func collect<T: PostgresDecodable>(decoding _: T.Type) async throws -> [T] {
        var values: [T] = []
        for try await value in decode(T.self) { values.append(value) }
        return values
    }

    func collect<A: PostgresDecodable, B: PostgresDecodable>(decoding _: (A, B).Type) async throws -> [(A, B)] {
        var values: [(A, B)] = []
        for try await value in decode((A, B).self) { values.append(value) }
        return values
    }
}
