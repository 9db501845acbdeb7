import AsyncHTTPClient
import Foundation
import ParleyDoctor
import Logging
import ParleyChat
import ParleyIdentity
import ParleySessionStorePostgres
import ParleyTestSupport
import Testing

@testable import ParleyServer

/// PARLEY_POSTGRES_AUTH=entra against the fake Entra: the store's connections authenticate with
/// the token the fake issued, taken from the process's shared token cache. PostgreSQL checks it:
/// the test's role has exactly that token as its password (SCRAM), so a connection only works if
/// the token was sent.
@Suite("PostgreSQL with Microsoft Entra tokens", .enabled(if: TestPostgres.enabled, TestPostgres.skipReason))
struct EntraPostgresTests {
    @Test func connectionsUseTheCachedTokenAsThePassword() async throws {
        let admin = try TestPostgres.settings()
        let entra = try await FakeEntra.start()
        let suffix = UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "").prefix(10)
        let role = "entra_\(suffix)"
        let database = "entra_db_\(suffix)"
        let environment = [
            "PARLEY_SESSION_STORE": "postgres", "PARLEY_POSTGRES_AUTH": "entra",
            "PGHOST": "127.0.0.1", "PGPORT": "\(admin.port)", "PGDATABASE": database, "PGUSER": role,
            // Loopback only: the TLS requirement of Entra auth is waived for 127.0.0.1.
            "PGSSLMODE": "disable",
            "AZURE_TENANT_ID": "00000000-0000-0000-0000-000000000000", "AZURE_CLIENT_ID": "66666666-6666-6666-6666-666666666666",
            "AZURE_CLIENT_SECRET": "fake-client-secret", "AZURE_AUTHORITY_HOST": entra.baseURL,
            "AZURE_POD_IDENTITY_AUTHORITY_HOST": "http://127.0.0.1:9", "PATH": "/nonexistent",
        ]
        let settings = try await ParleySettings.load(
            environment: environment, dotEnvPath: nil, identityVariables: IdentityEnvironment.variableNames)
        #expect(settings.postgres?.authentication == .entra)
        let logs = LogCapture()
        let logger = logs.logger(label: "entra-postgres", level: .debug)
        let tokens = SharedTokenCache(settings: settings, httpClient: .shared, logger: logger, now: { Date() }, metrics: nil)
        let cache = try tokens.cache()
        let token = try await cache.token(for: PostgresConnectionSettings.publicCloudEntraScope).token
        #expect(entra.isValid(token: token))
        try await TestPostgres.execute("CREATE ROLE \(role) LOGIN PASSWORD '\(token)'")
        try await TestPostgres.execute("CREATE DATABASE \(database) OWNER \(role)")

        let made = try ParleyApplication.sessionStore(settings: settings, tokenCache: cache, logger: logger, now: { Date() })
        let store = try #require(made.store as? PostgresSessionStore)
        let opened = try await store.beginQuestion(in: nil)
        try await store.finishQuestion(opened.lease, recording: ChatTurn(question: "q", answer: "a"))
        #expect(try await store.turns(of: opened.id)?.count == 1)
        #expect(await store.readiness() == nil)
        // One token request in all: the store used the cached token, for the PostgreSQL scope.
        #expect(entra.requests.map { $0.form["scope"] } == [PostgresConnectionSettings.publicCloudEntraScope])
        await store.shutdown()

        // A token PostgreSQL does not accept: unavailable, with the login named and no token shown.
        try await TestPostgres.execute("ALTER ROLE \(role) PASSWORD 'not-the-token'")
        let refused = try ParleyApplication.sessionStore(settings: settings, tokenCache: cache, logger: logger, now: { Date() }).store
        do {
            _ = try await refused.count()
            Issue.record("a role whose password is not the token let the store in")
        } catch SessionStoreError.unavailable(let reason) {
            #expect(reason.contains("refused the login of \(role)"), "\(reason)")
            #expect(!reason.contains(token))
        }
        await (refused as? PostgresSessionStore)?.shutdown()

        // The doctor's check says what to run.
        let diagnosis = await PostgresDiagnostics.check(settings: settings) { try await cache.token(for: PostgresConnectionSettings.publicCloudEntraScope).token }
        #expect(!diagnosis.ok)
        #expect(diagnosis.lines.contains { $0.contains("SELECT * FROM pgaadauth_create_principal('\(role)', false, false);") })
        #expect(!diagnosis.lines.joined().contains(token))
        #expect(logs.lines(containing: token).isEmpty, "the token reached a log line")

        try await TestPostgres.execute("DROP DATABASE IF EXISTS \(database) WITH (FORCE)")
        try await TestPostgres.execute("DROP ROLE IF EXISTS \(role)")
        await entra.stop()
    }

    @Test func diagnosticsReportAWorkingDatabase() async throws {
        let admin = try TestPostgres.settings()
        let settings = try await ParleySettings.load(
            environment: [
                "PARLEY_SESSION_STORE": "postgres",
                "PARLEY_POSTGRES_URL": "postgres://\(admin.username):\(admin.password ?? "")@127.0.0.1:\(admin.port)/\(admin.database)?sslmode=disable",
            ], dotEnvPath: nil, identityVariables: [])
        let diagnosis = await PostgresDiagnostics.check(settings: settings, tokenSource: nil)
        #expect(diagnosis.ok, "\(diagnosis.lines)")
        #expect(diagnosis.lines.contains { $0.contains("connected to PostgreSQL") && $0.contains("as \(admin.username)") })
        #expect(!diagnosis.lines.joined().contains(admin.password ?? "?"))
    }

    @Test func entraNeedsTLSExceptOnLoopback() async throws {
        let base = ["PARLEY_SESSION_STORE": "postgres", "PARLEY_POSTGRES_AUTH": "entra", "PGUSER": "parley-identity"]
        await #expect(throws: SettingsError.self) {
            _ = try await ParleySettings.load(
                environment: base.merging(["PGHOST": "db.example.com", "PGSSLMODE": "disable"]) { $1 }, dotEnvPath: nil,
                identityVariables: [])
        }
        await #expect(throws: SettingsError.self) {
            _ = try await ParleySettings.load(
                environment: base.merging(["PGHOST": "db.example.com", "PGPASSWORD": "x"]) { $1 }, dotEnvPath: nil,
                identityVariables: [])
        }
        let remote = try await ParleySettings.load(
            environment: base.merging(["PGHOST": "db.example.com"]) { $1 }, dotEnvPath: nil, identityVariables: [])
        #expect(remote.postgres?.tlsMode == .verifyFull, "Entra defaults to verify-full")
        let local = try await ParleySettings.load(
            environment: base.merging(["PGHOST": "127.0.0.1", "PGSSLMODE": "disable"]) { $1 }, dotEnvPath: nil, identityVariables: [])
        #expect(local.postgres?.tlsMode == .disable)
        await #expect(throws: SettingsError.self) {
            _ = try await ParleySettings.load(environment: ["PARLEY_SESSION_STORE": "postgres"], dotEnvPath: nil, identityVariables: [])
        }
        await #expect(throws: SettingsError.self) {
            _ = try await ParleySettings.load(environment: ["PARLEY_SESSION_STORE": "redis"], dotEnvPath: nil, identityVariables: [])
        }
    }
}
