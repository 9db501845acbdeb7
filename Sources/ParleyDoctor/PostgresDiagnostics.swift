import ParleyServer
import Foundation
import ParleySessionStorePostgres

/// The database check of `parley doctor`: connects once, as `parley serve` would, and says what is
/// wrong (host unreachable, TLS, login refused — for Microsoft Entra with the SQL that creates the
/// identity's database role) or, when it works, who it is connected as.
public enum PostgresDiagnostics {
    /// - Parameters:
    ///   - tokenSource: for `PARLEY_POSTGRES_AUTH=entra`, a token for the connection's `entraScope` from the credential
    ///     chain the doctor uses; ignored with a password.
    /// - Returns: `ok` false when the store would not work; `lines` to print, first the verdict.
    public static func check(settings: ParleySettings, tokenSource: (@Sendable () async throws -> String)?) async -> (ok: Bool, lines: [String]) {
        guard settings.sessionStore == .postgres || settings.postgres != nil else {
            return (true, ["session store: memory (PARLEY_SESSION_STORE is not postgres); no database to check"])
        }
        guard let connection = settings.postgres else {
            return (false, ["session store: postgres, but no database is configured (PARLEY_POSTGRES_URL or PGHOST)"])
        }
        var lines = ["session store: \(settings.sessionStore.rawValue), database \(connection)"]
        let password: String?
        switch connection.authentication {
        case .password:
            password = connection.password
        case .entra:
            let entraScope = connection.entraScope
            guard let tokenSource else {
                return (false, lines + ["no credential to get a Microsoft Entra token for \(entraScope)"])
            }
            do {
                password = try await tokenSource()
                lines.append("got a Microsoft Entra token for \(entraScope)")
            } catch {
                return (false, lines + ["no Microsoft Entra token for \(entraScope): \(error)", "run the identity checks above first"])
            }
            if !connection.tlsMode.requiresTLS {
                lines.append("warning: PGSSLMODE \(connection.tlsMode.rawValue) sends the token without TLS (accepted only for a loopback host)")
            }
        }
        let report = await PostgresConnectionCheck.run(settings: connection, password: password, principalName: connection.username)
        return (report.ok, lines + report.lines)
    }
}
