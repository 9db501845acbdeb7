import Foundation
import Logging
import NIOSSL
import ParleyOutbound
import PostgresNIO

/// One direct connection attempt, outside the pool, that says exactly what is wrong: for
/// `parley doctor`, and for the store to explain a timeout (the pool only reports that it waited).
public enum PostgresConnectionCheck {
    public struct Report: Sendable {
        public var ok: Bool
        /// What a person reads: the first line says what happened, later ones how to fix it.
        public var lines: [String]
        /// One line for a 503 message or readiness.
        public var summary: String { lines.first ?? (ok ? "ok" : "failed") }
    }

    /// Connects once, then reads who we are, whether TLS is on, and whether the schema can be made.
    /// - Parameters:
    ///   - password: the password or token to send (already fetched).
    ///   - principalName: for Entra, the identity's name in the SQL that creates its database role.
    public static func run(
        settings: PostgresConnectionSettings, password: String?, principalName: String? = nil, timeout: Duration = .seconds(5),
        logger: Logger = Logger(label: "parley.postgres.check", factory: { _ in SwiftLogNoOpLogHandler() })
    ) async -> Report {
        let tls: PostgresConnection.Configuration.TLS
        do {
            tls = try PostgresConnectionSource.connectionTLS(settings.tlsMode)
        } catch {
            return Report(ok: false, lines: ["TLS could not be configured: \(error)"])
        }
        var configuration = PostgresConnection.Configuration(
            host: settings.host, port: settings.port, username: settings.username, password: password,
            database: settings.database, tls: tls)
        configuration.options.connectTimeout = .init(timeout)
        let target = "\(settings.host):\(settings.port)"
        let ready = configuration
        let connection: PostgresConnection
        do {
            connection = try await Deadline.runAbandoning(within: timeout, timedOut: { PostgresStoreFailure.timedOut(timeout) }) {
                try await PostgresConnection.connect(configuration: ready, id: 0, logger: logger)
            }
        } catch {
            return Report(ok: false, lines: explain(error, settings: settings, target: target, principalName: principalName))
        }
        defer { Task { try? await connection.close() } }
        do {
            let rows = try await connection.query(
                """
                SELECT current_user::text, current_setting('server_version'),
                       coalesce((SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()), false),
                       has_database_privilege(current_database(), 'CREATE') OR has_schema_privilege(current_schema(), 'CREATE')
                """, logger: logger)
            var lines: [String] = []
            var ok = true
            for try await (user, version, encrypted, canCreate) in rows.decode((String, String, Bool, Bool).self) {
                lines.append("connected to PostgreSQL \(version) at \(target), database \(settings.database), as \(user), \(encrypted ? "TLS on" : "TLS off")")
                if !encrypted && settings.authentication == .entra {
                    lines.append("warning: the token was sent without TLS; this is accepted only for a loopback host")
                }
                if !canCreate {
                    let tables = try await connection.query("SELECT to_regclass('parley_sessions') IS NOT NULL", logger: logger)
                    var exists = false
                    for try await value in tables.decode(Bool.self) { exists = value }
                    if !exists {
                        ok = false
                        lines.append(
                            "\(user) may not create Parley's tables in schema \(settings.database).public; as the database owner run: GRANT CREATE ON SCHEMA public TO \"\(user)\";"
                        )
                    }
                }
            }
            return Report(ok: ok, lines: lines)
        } catch {
            return Report(ok: false, lines: explain(error, settings: settings, target: target, principalName: principalName))
        }
    }

    static func explain(_ error: any Error, settings: PostgresConnectionSettings, target: String, principalName: String?) -> [String] {
        let failure = PostgresStoreFailure(error)
        if case .timedOut(let limit) = failure {
            return [
                "cannot reach PostgreSQL at \(target): no answer within \(limit.components.seconds) s",
                "check PGHOST/PGPORT (or PARLEY_POSTGRES_URL) and that the server's firewall or network rules admit this host",
            ]
        }
        if case .postgres(let psql) = failure, let info = psql.serverInfo {
            let state = info[.sqlState] ?? ""
            let message = info[.message] ?? "error"
            switch state {
            case "28P01", "28000":
                var lines = ["PostgreSQL at \(target) refused the login of \(settings.username) (\(state)): \(message)"]
                if settings.authentication == .entra {
                    let name = principalName ?? settings.username
                    lines.append(
                        "the Microsoft Entra principal may not exist as a database role yet: an Entra administrator of the server runs, in the postgres database:")
                    lines.append("  SELECT * FROM pgaadauth_create_principal('\(name)', false, false);")
                    lines.append("then, in database \(settings.database): GRANT CREATE ON SCHEMA public TO \"\(name)\";")
                    lines.append("PGUSER must be that role's name (\(settings.username) now); the token's identity must match it")
                } else {
                    lines.append("check PGUSER and PGPASSWORD (or the URL's user and password)")
                }
                return lines
            case "3D000":
                return [
                    "database \(settings.database) does not exist on \(target)",
                    "create it (CREATE DATABASE \(settings.database);) or set PGDATABASE",
                ]
            default:
                return ["PostgreSQL at \(target) answered \(state): \(message)"]
            }
        }
        if case .postgres(let psql) = failure {
            switch psql.code {
            case .sslUnsupported:
                return [
                    "PostgreSQL at \(target) does not offer TLS, but sslmode \(settings.tlsMode.rawValue) requires it",
                    "enable TLS on the server (Azure Database for PostgreSQL always offers it)",
                ]
            case .connectionError:
                let underlying = psql.underlying
                if let ssl = underlying as? NIOSSLError {
                    return [
                        "TLS with PostgreSQL at \(target) failed: \(ssl)",
                        "with sslmode verify-full the server's certificate must chain to a CA in the system store and name \(settings.host); the runtime image needs ca-certificates",
                    ]
                }
                return [
                    "cannot connect to PostgreSQL at \(target): \(underlying.map { PostgresStoreFailure.describeUnderlying($0) } ?? "connection failed")",
                    "check PGHOST/PGPORT (or PARLEY_POSTGRES_URL), that the server runs, and that its firewall admits this host",
                ]
            default:
                break
            }
        }
        if let ssl = error as? NIOSSLError {
            return ["TLS with PostgreSQL at \(target) failed: \(ssl)"]
        }
        return ["cannot use PostgreSQL at \(target): \(failure)"]
    }
}
