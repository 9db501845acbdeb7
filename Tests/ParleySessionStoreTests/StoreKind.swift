import Foundation
import Logging
import ParleyChat
import ParleySessionStorePostgres
import ParleyTestSupport
import Testing

/// The stores the shared suite runs against. Every semantic test is parameterised over these, so
/// the in-memory and the PostgreSQL store cannot drift apart.
enum StoreKind: String, CaseIterable, CustomTestStringConvertible, Sendable {
    case memory, postgres

    var testDescription: String { rawValue }

    /// The kinds to run: PostgreSQL too when a server is configured, or in CI (where its absence fails).
    static var underTest: [StoreKind] { TestPostgres.enabled ? allCases : [.memory] }

    /// Runs `body` with two handles on one store: for memory the same instance twice, for
    /// PostgreSQL two independent stores (two replicas) on one fresh schema.
    func withReplicas(
        limits: SessionLimits = SessionLimits(), clock: ManualClock = ManualClock(), leaseDuration: Duration = .seconds(330),
        _ body: (any SessionStore, any SessionStore) async throws -> Void
    ) async throws {
        switch self {
        case .memory:
            let store = InMemorySessionStore(limits: limits, now: { clock.now() })
            try await body(store, store)
        case .postgres:
            let settings = try TestPostgres.settings()
            let schema = try await TestPostgres.makeSchema()
            let options = PostgresSessionStoreOptions(
                limits: limits, leaseDuration: leaseDuration, searchPath: schema, now: { clock.now() })
            let password = settings.password
            let first = PostgresSessionStore(settings: settings, options: options, password: { password }, logger: TestPostgres.logger)
            let second = PostgresSessionStore(settings: settings, options: options, password: { password }, logger: TestPostgres.logger)
            do {
                try await body(first, second)
            } catch {
                await first.shutdown()
                await second.shutdown()
                await TestPostgres.dropSchema(schema)
                throw error
            }
            await first.shutdown()
            await second.shutdown()
            await TestPostgres.dropSchema(schema)
        }
    }

    /// Two handles on one set of usage counters (for PostgreSQL, two replicas' stores).
    func withCounters(_ body: (any UsageCounterStore, any UsageCounterStore) async throws -> Void) async throws {
        switch self {
        case .memory:
            let counters = InMemoryUsageCounters()
            try await body(counters, counters)
        case .postgres:
            try await withReplicas { first, second in
                try await body(
                    try #require(first as? PostgresSessionStore), try #require(second as? PostgresSessionStore))
            }
        }
    }

    func withStore(
        limits: SessionLimits = SessionLimits(), clock: ManualClock = ManualClock(), _ body: (any SessionStore) async throws -> Void
    ) async throws {
        try await withReplicas(limits: limits, clock: clock) { store, _ in try await body(store) }
    }
}
