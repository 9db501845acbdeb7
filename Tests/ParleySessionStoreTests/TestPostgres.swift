import Foundation
import Logging
import ParleySessionStorePostgres
import PostgresNIO
import Testing

/// The PostgreSQL the tests use: `PARLEY_TEST_POSTGRES_URL`, which `make test` sets after
/// `scripts/test-postgres.sh start`. Without it the PostgreSQL tests are skipped locally and fail
/// under CI=true (a missing database must never pass silently in CI).
enum TestPostgres {
    static let environment = ProcessInfo.processInfo.environment
    static let url = environment["PARLEY_TEST_POSTGRES_URL"].flatMap { $0.isEmpty ? nil : $0 }
    static let inCI = environment["CI"] == "true"
    /// Run the PostgreSQL tests: a server is configured, or CI demands them (and they fail without one).
    static let enabled = url != nil || inCI
    static let skipReason: Comment =
        "PARLEY_TEST_POSTGRES_URL is not set: start one with `eval \"$(scripts/test-postgres.sh start)\"` (make test does)"

    /// Quiet unless PARLEY_TEST_DEBUG is set.
    static let logger: Logger = {
        guard environment["PARLEY_TEST_DEBUG"] != nil else {
            return Logger(label: "test-postgres", factory: { _ in SwiftLogNoOpLogHandler() })
        }
        var logger = Logger(label: "test-postgres", factory: { StreamLogHandler.standardError(label: $0) })
        logger.logLevel = .debug
        return logger
    }()

    /// The admin connection settings (the cluster's superuser).
    static func settings() throws -> PostgresConnectionSettings {
        guard let url else {
            throw MissingServer()
        }
        let defaults = PostgresConnectionSettings(host: "127.0.0.1", database: "postgres", username: "postgres", tlsMode: .disable)
        return try PostgresConnectionSettings.parse(url: url, defaults: defaults)
    }

    struct MissingServer: Error, CustomStringConvertible {
        var description: String {
            "CI=true but PARLEY_TEST_POSTGRES_URL is not set: the PostgreSQL tests need `scripts/test-postgres.sh start` (make test runs it)"
        }
    }

    /// Runs SQL as the admin on one short-lived connection.
    static func execute(_ sql: String, settings: PostgresConnectionSettings? = nil) async throws {
        let settings = try settings ?? self.settings()
        let connection = try await PostgresConnection.connect(
            configuration: .init(
                host: settings.host, port: settings.port, username: settings.username, password: settings.password,
                database: settings.database, tls: .disable),
            id: 1, logger: logger)
        do {
            try await connection.query(PostgresQuery(unsafeSQL: sql), logger: logger)
            try await connection.close()
        } catch {
            try? await connection.close()
            throw error
        }
    }

    /// A fresh schema for one test, dropped by `dropSchema`.
    static func makeSchema() async throws -> String {
        let name = "t_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "").prefix(16)
        try await execute("CREATE SCHEMA \(name)")
        return String(name)
    }

    static func dropSchema(_ name: String) async {
        try? await execute("DROP SCHEMA IF EXISTS \(name) CASCADE")
    }
}
