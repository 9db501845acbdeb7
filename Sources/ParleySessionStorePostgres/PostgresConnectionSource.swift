import Foundation
import Logging
import NIOSSL
import PostgresNIO

/// Hands out the `PostgresClient` (postgres-nio's pool) to use now.
///
/// postgres-nio 1.33 takes one fixed password per client. With Microsoft Entra the password is an
/// access token that the token cache renews before it expires, so this source asks for the current
/// password on every use and, when it changed, starts a new client with it; the old client serves
/// the queries it already has and is closed after `retireAfter`. Every connection is therefore opened
/// with a token that was current when the client was made, and the cache renews tokens minutes
/// before they lapse, so no connection is opened with an expired token. (Azure Database for
/// PostgreSQL checks the token only when a connection authenticates; open connections stay valid.)
actor PostgresConnectionSource {
    private struct Generation {
        let password: String?
        let client: PostgresClient
        let task: Task<Void, Never>
    }

    private let settings: PostgresConnectionSettings
    private let password: @Sendable () async throws -> String?
    private let searchPath: String?
    private let connectTimeout: Duration
    private let retireAfter: Duration
    private let logger: Logger
    private var current: Generation?
    private var retiring: [Task<Void, Never>] = []
    private var closed = false

    /// - Parameters:
    ///   - password: the password for the next client: fixed, or a token from the shared cache.
    ///   - searchPath: sent as the `search_path` startup parameter (tests isolate themselves in a schema).
    init(
        settings: PostgresConnectionSettings, password: @escaping @Sendable () async throws -> String?, searchPath: String?,
        connectTimeout: Duration, retireAfter: Duration = .seconds(30), logger: Logger
    ) {
        self.settings = settings
        self.password = password
        self.searchPath = searchPath
        self.connectTimeout = connectTimeout
        self.retireAfter = retireAfter
        self.logger = logger
    }

    /// The client for the current password.
    func client() async throws -> PostgresClient {
        if closed { throw PostgresStoreFailure.closed }
        let password = try await currentPassword()
        if closed { throw PostgresStoreFailure.closed }
        if let current, current.password == password { return current.client }
        let client = PostgresClient(configuration: try configuration(password: password), backgroundLogger: logger)
        let task = Task { await client.run() }
        if let old = current {
            logger.info("the PostgreSQL password changed (a renewed token); new connections use it")
            let delay = retireAfter
            retiring.append(Task {
                try? await Task.sleep(for: delay)
                old.task.cancel()
            })
        }
        current = Generation(password: password, client: client, task: task)
        return client
    }

    /// Replaces the current client with a new one (same password): postgres-nio's pool backs off
    /// for up to a minute after connections failed, even once the database is back.
    func renew() {
        guard let old = current else { return }
        current = nil
        let delay = retireAfter
        retiring.append(Task {
            try? await Task.sleep(for: delay)
            old.task.cancel()
        })
    }

    /// Closes every client; later calls fail.
    func close() async {
        closed = true
        let tasks = retiring + (current.map { [$0.task] } ?? [])
        retiring.forEach { $0.cancel() }
        current?.task.cancel()
        current = nil
        retiring = []
        for task in tasks { await task.value }
    }

    private func currentPassword() async throws -> String? {
        do {
            return try await password()
        } catch {
            throw PostgresStoreFailure.noToken(String(describing: error))
        }
    }

    private func configuration(password: String?) throws -> PostgresClient.Configuration {
        var configuration = PostgresClient.Configuration(
            host: settings.host, port: settings.port, username: settings.username, password: password,
            database: settings.database, tls: try Self.tls(settings.tlsMode))
        configuration.options.maximumConnections = settings.poolSize
        configuration.options.connectTimeout = connectTimeout
        if let searchPath { configuration.options.additionalStartupParameters = [("search_path", searchPath)] }
        configuration.options.additionalStartupParameters.append(("application_name", "parley"))
        return configuration
    }

    /// The same mapping for a single connection (diagnostics).
    static func connectionTLS(_ mode: PostgresConnectionSettings.TLSMode) throws -> PostgresConnection.Configuration.TLS {
        var tls = TLSConfiguration.makeClientConfiguration()
        switch mode {
        case .disable:
            return .disable
        case .allow, .prefer:
            tls.certificateVerification = .none
            return .prefer(try NIOSSLContext(configuration: tls))
        case .require:
            tls.certificateVerification = .none
            return .require(try NIOSSLContext(configuration: tls))
        case .verifyCA:
            tls.certificateVerification = .noHostnameVerification
            return .require(try NIOSSLContext(configuration: tls))
        case .verifyFull:
            return .require(try NIOSSLContext(configuration: tls))
        }
    }

    /// libpq's sslmode on postgres-nio's TLS modes. `allow` (plain first, TLS if refused) has no
    /// equivalent and is treated as `prefer`.
    static func tls(_ mode: PostgresConnectionSettings.TLSMode) throws -> PostgresClient.Configuration.TLS {
        var tls = TLSConfiguration.makeClientConfiguration()
        switch mode {
        case .disable:
            return .disable
        case .allow, .prefer:
            tls.certificateVerification = .none
            return .prefer(tls)
        case .require:
            tls.certificateVerification = .none
            return .require(tls)
        case .verifyCA:
            tls.certificateVerification = .noHostnameVerification
            return .require(tls)
        case .verifyFull:
            tls.certificateVerification = .fullVerification
            return .require(tls)
        }
    }
}
