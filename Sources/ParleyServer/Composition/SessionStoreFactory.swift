import Foundation
import Logging
import ParleyChat
import ParleyIdentity
import ParleySessionStorePostgres
import ServiceLifecycle

/// Picks the session store from the settings: this process's memory (one replica), or PostgreSQL
/// shared by every replica, with a password or with Microsoft Entra tokens from the process's
/// token cache (the same cache, and so the same credential chain, as Azure OpenAI's).
struct SessionStoreFactory {
    let store: any SessionStore
    /// Run alongside the HTTP server (PostgreSQL: migration at start, the expiry sweep, closing).
    let services: [any Service]
    /// nil when ready, else why not: for /readyz. nil for the in-memory store (always ready).
    let readiness: (@Sendable () async -> String?)?

    static func make(
        settings: ParleySettings, tokenCache: @autoclosure () throws -> TokenCache, logger: Logger, now: @escaping @Sendable () -> Date
    ) throws -> SessionStoreFactory {
        let limits = SessionLimits(maxSessions: settings.maxSessions, idleTTL: settings.sessionTTL, maxTurns: settings.maxTurns)
        guard settings.sessionStore == .postgres, let connection = settings.postgres else {
            return SessionStoreFactory(store: InMemorySessionStore(limits: limits, now: now), services: [], readiness: nil)
        }
        let password = try passwordSource(connection, tokenCache: tokenCache())
        // A question's lease outlives any answer: the whole-request timeout plus 30 s for the
        // stream's last bytes and the final write.
        let options = PostgresSessionStoreOptions(limits: limits, leaseDuration: settings.requestTimeout + .seconds(30), now: now)
        let store = PostgresSessionStore(settings: connection, options: options, password: password, logger: logger)
        return SessionStoreFactory(store: store, services: [store], readiness: { await store.readiness() })
    }

    /// The password for new connections: fixed, or a token for Azure Database for PostgreSQL.
    static func passwordSource(_ connection: PostgresConnectionSettings, tokenCache: @autoclosure () throws -> TokenCache) throws
        -> @Sendable () async throws -> String?
    {
        switch connection.authentication {
        case .password:
            let password = connection.password
            return { password }
        case .entra:
            let cache = try tokenCache()
            let scope = connection.entraScope
            return { try await cache.token(for: scope).token }
        }
    }
}
