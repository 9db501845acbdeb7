import Foundation
import ParleyChat

/// How the PostgreSQL store behaves, beyond where it connects.
public struct PostgresSessionStoreOptions: Sendable {
    /// The same bounds as the in-memory store (PARLEY_MAX_SESSIONS, PARLEY_SESSION_TTL, PARLEY_MAX_TURNS).
    public var limits: SessionLimits
    /// How long a question's lease holds a session busy if the replica holding it never releases it
    /// (it died). Use the request timeout plus a margin: no answer legitimately takes longer.
    public var leaseDuration: Duration
    /// Longest wait for one store operation (connecting included) before it fails as unavailable.
    public var operationTimeout: Duration
    /// Longest wait for a TCP connection to PostgreSQL.
    public var connectTimeout: Duration
    /// How often expired sessions are deleted.
    public var sweepInterval: Duration
    /// The schema to use (`search_path`); nil uses the user's default (normally `public`).
    public var searchPath: String?
    /// The clock of idle expiry and leases; tests move it.
    public var now: @Sendable () -> Date

    public init(
        limits: SessionLimits = SessionLimits(), leaseDuration: Duration = .seconds(330),
        operationTimeout: Duration = .seconds(5), connectTimeout: Duration = .seconds(3),
        sweepInterval: Duration = .seconds(60), searchPath: String? = nil, now: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.limits = limits
        self.leaseDuration = leaseDuration
        self.operationTimeout = operationTimeout
        self.connectTimeout = connectTimeout
        self.sweepInterval = sweepInterval
        self.searchPath = searchPath
        self.now = now
    }
}
