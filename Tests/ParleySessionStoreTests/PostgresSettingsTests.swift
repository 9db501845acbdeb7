import Foundation
import ParleySessionStorePostgres
import Testing

@testable import ParleyServer

/// The store's settings: PG* and the URL, the URL winning; secrets never shown.
@Suite("PostgreSQL settings")
struct PostgresSettingsTests {
    private func load(_ environment: [String: String]) async throws -> ParleySettings {
        try await ParleySettings.load(environment: environment, dotEnvPath: nil, identityVariables: [])
    }

    @Test func pgVariablesAndTheURL() async throws {
        let fromPG = try await load([
            "PARLEY_SESSION_STORE": "postgres", "PGHOST": "db.internal", "PGPORT": "6432", "PGDATABASE": "chat",
            "PGUSER": "app", "PGPASSWORD": "pg-secret-1", "PGSSLMODE": "require", "PARLEY_POSTGRES_POOL": "4",
        ])
        #expect(fromPG.sessionStore == .postgres)
        #expect(fromPG.postgres == PostgresConnectionSettings(
            host: "db.internal", port: 6432, database: "chat", username: "app", password: "pg-secret-1", tlsMode: .require,
            poolSize: 4))
        let fromURL = try await load([
            "PARLEY_SESSION_STORE": "postgres", "PGHOST": "ignored", "PGUSER": "app",
            "PARLEY_POSTGRES_URL": "postgres://u:url-secret-2@db.example.com/parley?sslmode=verify-full",
        ])
        #expect(fromURL.postgres?.host == "db.example.com")
        #expect(fromURL.postgres?.username == "u")
        #expect(fromURL.postgres?.password == "url-secret-2")
        #expect(fromURL.postgres?.tlsMode == .verifyFull)
        let memory = try await load([:])
        #expect(memory.sessionStore == .memory)
        #expect(memory.postgres == nil)
    }

    @Test func secretsAreNeverShown() async throws {
        let settings = try await load([
            "PARLEY_SESSION_STORE": "postgres",
            "PARLEY_POSTGRES_URL": "postgres://u:url-secret-2@db.example.com/parley?sslmode=verify-full",
        ])
        let summary = settings.summary.map { "\($0.0): \($0.1)" }.joined(separator: "\n")
        #expect(summary.contains("u@db.example.com:5432/parley"))
        #expect(!summary.contains("url-secret-2"))
        #expect(SettingNames.secrets.contains("PGPASSWORD") && SettingNames.secrets.contains("PARLEY_POSTGRES_URL"))
        for name in ["PARLEY_SESSION_STORE", "PARLEY_POSTGRES_URL", "PGHOST", "PGPORT", "PGDATABASE", "PGUSER", "PGPASSWORD",
                     "PGSSLMODE", "PARLEY_POSTGRES_AUTH", "PARLEY_POSTGRES_POOL", "PARLEY_METRICS_PORT"] {
            #expect(SettingNames.all.contains(name), "\(name)")
        }
        // A bad value names the variable without echoing the secret.
        do {
            _ = try await load(["PARLEY_POSTGRES_URL": "postgres://u:url-secret-3@db.example.com/parley?sslmode=maybe"])
            Issue.record("a bad sslmode was accepted")
        } catch let error as SettingsError {
            #expect(error.variable == "PARLEY_POSTGRES_URL")
            #expect(!error.description.contains("url-secret-3"))
        }
    }

    @Test func badValuesFailAtStartNamingTheVariable() async throws {
        let cases: [([String: String], String)] = [
            (["PARLEY_SESSION_STORE": "postgres", "PGHOST": "h", "PGPORT": "99999"], "PGPORT"),
            (["PARLEY_SESSION_STORE": "postgres", "PGHOST": "h", "PGSSLMODE": "sometimes"], "PGSSLMODE"),
            (["PARLEY_SESSION_STORE": "postgres", "PGHOST": "h", "PARLEY_POSTGRES_AUTH": "kerberos"], "PARLEY_POSTGRES_AUTH"),
            (["PARLEY_SESSION_STORE": "postgres", "PGHOST": "h", "PARLEY_POSTGRES_POOL": "0"], "PARLEY_POSTGRES_POOL"),
            (["PARLEY_METRICS_PORT": "8087"], "PARLEY_METRICS_PORT"),
            (["PARLEY_METRICS_PORT": "http"], "PARLEY_METRICS_PORT"),
        ]
        for (environment, variable) in cases {
            await #expect(throws: SettingsError.self, "\(variable)") { _ = try await load(environment) }
            do {
                _ = try await load(environment)
            } catch let error as SettingsError {
                #expect(error.variable == variable)
            }
        }
    }
}
