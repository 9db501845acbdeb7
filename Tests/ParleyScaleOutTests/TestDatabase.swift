import Foundation
import Logging
import PostgresNIO
import Testing

/// The test PostgreSQL (`PARLEY_TEST_POSTGRES_URL`, set by `make test` after
/// `scripts/test-postgres.sh start`): skipped locally without one, a failure under CI=true.
enum TestDatabase {
    static let environment = ProcessInfo.processInfo.environment
    static let url = environment["PARLEY_TEST_POSTGRES_URL"].flatMap { $0.isEmpty ? nil : $0 }
    static let enabled = url != nil || environment["CI"] == "true"
    static let skipReason: Comment =
        "PARLEY_TEST_POSTGRES_URL is not set: start one with `eval \"$(scripts/test-postgres.sh start)\"` (make test does)"
    static let logger = Logger(label: "test-database", factory: { _ in SwiftLogNoOpLogHandler() })

    struct Server: Sendable {
        var host: String
        var port: Int
        var user: String
        var password: String

        /// A URL for `database` on this server, as the admin, or as `user`/`password`.
        func url(database: String, user: String? = nil, password: String? = nil) -> String {
            "postgres://\(user ?? self.user):\(password ?? self.password)@\(host):\(port)/\(database)?sslmode=disable"
        }
    }

    static func server() throws -> Server {
        guard let url, let components = URLComponents(string: url), let host = components.host, let port = components.port,
            let user = components.user, let password = components.password
        else {
            throw MissingServer()
        }
        return Server(host: host, port: port, user: user, password: password)
    }

    struct MissingServer: Error, CustomStringConvertible {
        var description: String {
            "CI=true but PARLEY_TEST_POSTGRES_URL is not set: these tests need `scripts/test-postgres.sh start` (make test runs it)"
        }
    }

    /// Runs SQL statements as the admin, in `database`.
    static func execute(_ statements: [String], on server: Server, database: String = "postgres") async throws {
        let connection = try await PostgresConnection.connect(
            configuration: .init(
                host: server.host, port: server.port, username: server.user, password: server.password, database: database,
                tls: .disable),
            id: 1, logger: logger)
        do {
            for statement in statements { try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger) }
            try await connection.close()
        } catch {
            try? await connection.close()
            throw error
        }
    }

    /// A fresh database for one test; `drop` removes it.
    static func create(on server: Server, owner: String? = nil) async throws -> String {
        let name = "parley_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "").prefix(12)
        try await execute(["CREATE DATABASE \(name)" + (owner.map { " OWNER \($0)" } ?? "")], on: server)
        return String(name)
    }

    static func drop(_ name: String, on server: Server) async {
        try? await execute(["DROP DATABASE IF EXISTS \(name) WITH (FORCE)"], on: server)
    }
}
