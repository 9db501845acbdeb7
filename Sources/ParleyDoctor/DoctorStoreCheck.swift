import ParleyServer
import AsyncHTTPClient
import ParleyOutbound
import Foundation
import Logging
import ParleyIdentity

/// The session-store step: with `PARLEY_SESSION_STORE=postgres`, connect to the database the way
/// `parley serve` would (with an Entra token as the password when `PARLEY_POSTGRES_AUTH=entra`)
/// and say what is wrong: host, TLS, login — with the SQL that creates a missing Entra user.
struct DoctorStoreCheck {
    static let title = "Session store"

    let settings: ParleySettings
    let httpClient: OutboundHTTPClient
    let logger: Logger
    let now: @Sendable () -> Date
    let identity: IdentityOptions

    func step() async -> DoctorStep {
        guard settings.sessionStore == .postgres else {
            return DoctorStep(id: .sessionStore, title: Self.title, status: .ok,
                              summary: "memory: this process keeps its own sessions (PARLEY_SESSION_STORE=postgres shares them between replicas).")
        }
        let environment = settings.identityEnvironment
        let (httpClient, logger, now, identity) = (self.httpClient, self.logger, self.now, self.identity)
        let tokenSource: @Sendable () async throws -> String = {
            let credential = try DefaultAzureCredential(environment: environment, httpClient: httpClient, logger: logger,
                                                        now: now, options: identity)
            return try await credential.getToken(scopes: [settings.scopes.postgres]).token
        }
        let (ok, lines) = await PostgresDiagnostics.check(settings: settings, tokenSource: tokenSource)
        let fixes = lines.dropFirst().filter { $0.contains("SELECT ") || $0.hasPrefix("fix") }
        return DoctorStep(id: .sessionStore, title: Self.title, status: ok ? .ok : .failed,
                          summary: lines.first ?? (ok ? "the database answers." : "the database cannot be used."),
                          notes: Array(lines.dropFirst()), fixes: ok ? [] : fixes)
    }
}
