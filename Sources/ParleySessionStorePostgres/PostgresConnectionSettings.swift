import Foundation

/// Where and how to reach PostgreSQL: from `PARLEY_POSTGRES_URL` or libpq's `PGHOST`, `PGPORT`,
/// `PGDATABASE`, `PGUSER`, `PGPASSWORD`, `PGSSLMODE` (libpq 15 "Environment Variables", 2026).
/// The password is a secret: it is never part of `description`.
public struct PostgresConnectionSettings: Sendable, Equatable, CustomStringConvertible {
    /// libpq's `sslmode` values. `require` encrypts without checking the certificate (as libpq does
    /// without a root certificate file); `verify-ca` checks the chain; `verify-full` also the host name.
    public enum TLSMode: String, Sendable, CaseIterable {
        case disable, allow, prefer, require
        case verifyCA = "verify-ca"
        case verifyFull = "verify-full"

        /// True when a connection without TLS is refused.
        public var requiresTLS: Bool { [.require, .verifyCA, .verifyFull].contains(self) }
    }

    /// How the password is obtained.
    public enum Authentication: String, Sendable {
        /// A fixed password (`PGPASSWORD` or the URL's), or none.
        case password
        /// A Microsoft Entra access token for Azure Database for PostgreSQL, fetched for each new connection.
        case entra
    }

    public var host: String
    public var port: Int
    public var database: String
    public var username: String
    /// Only with `.password`. A secret.
    public var password: String?
    public var tlsMode: TLSMode
    public var authentication: Authentication
    /// The most connections this process opens (`PARLEY_POSTGRES_POOL`, default 10).
    public var poolSize: Int
    /// The scope of the Entra token sent as the password (`.entra`): follows the cloud of
    /// AZURE_AUTHORITY_HOST or PARLEY_POSTGRES_SCOPE (set by the server's settings).
    public var entraScope: String = PostgresConnectionSettings.publicCloudEntraScope

    public init(
        host: String, port: Int = 5432, database: String, username: String, password: String? = nil,
        tlsMode: TLSMode = .prefer, authentication: Authentication = .password, poolSize: Int = 10
    ) {
        self.host = host
        self.port = port
        self.database = database
        self.username = username
        self.password = password
        self.tlsMode = tlsMode
        self.authentication = authentication
        self.poolSize = poolSize
    }

    /// 127.0.0.0/8, ::1 and localhost: the only hosts where Entra auth may run without TLS (local tests).
    public var isLoopback: Bool {
        let lowered = host.lowercased()
        return lowered == "localhost" || lowered == "::1" || lowered == "[::1]" || lowered.hasPrefix("127.")
    }

    /// "user@host:port/database (sslmode, auth)", never the password.
    public var description: String {
        "\(username)@\(host):\(port)/\(database) (sslmode \(tlsMode.rawValue), \(authentication == .entra ? "Microsoft Entra token" : (password == nil ? "no password" : "password")))"
    }

    /// The public-cloud scope of Azure Database for PostgreSQL tokens (Microsoft docs, "Use Microsoft
    /// Entra ID for authentication with Azure Database for PostgreSQL", 2026); other clouds:
    /// ParleyIdentity `AzureCloud`.
    public static let publicCloudEntraScope = "https://ossrdbms-aad.database.windows.net/.default"
}

/// A connection URL that cannot be used; `message` never contains the password.
public struct PostgresURLError: Error, Equatable, CustomStringConvertible {
    public let message: String
    public var description: String { message }
}

extension PostgresConnectionSettings {
    /// Parses `postgres://user:password@host:port/database?sslmode=require` (also `postgresql://`).
    /// Fields the URL leaves out come from `defaults`.
    public static func parse(url raw: String, defaults: PostgresConnectionSettings) throws -> PostgresConnectionSettings {
        guard let components = URLComponents(string: raw), let scheme = components.scheme?.lowercased(),
            ["postgres", "postgresql"].contains(scheme)
        else {
            throw PostgresURLError(message: "is not a postgres:// URL; use e.g. postgres://parley@db.example.com:5432/parley?sslmode=verify-full")
        }
        var settings = defaults
        if let host = components.host, !host.isEmpty { settings.host = host }
        if let port = components.port { settings.port = port }
        if let user = components.user, !user.isEmpty { settings.username = user.removingPercentEncoding ?? user }
        if let password = components.password { settings.password = password.removingPercentEncoding ?? password }
        let path = components.path.hasPrefix("/") ? String(components.path.dropFirst()) : components.path
        if !path.isEmpty { settings.database = path.removingPercentEncoding ?? path }
        for item in components.queryItems ?? [] {
            switch item.name {
            case "sslmode":
                guard let value = item.value, let mode = TLSMode(rawValue: value) else {
                    throw PostgresURLError(message: "sslmode '\(item.value ?? "")' is not one of \(TLSMode.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                settings.tlsMode = mode
            default:
                throw PostgresURLError(message: "the parameter '\(item.name)' is not supported; only sslmode is")
            }
        }
        return settings
    }
}
