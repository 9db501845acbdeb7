import AsyncHTTPClient
import ParleyOutbound
import Foundation
import Logging

/// A service principal with a client secret from `AZURE_TENANT_ID`, `AZURE_CLIENT_ID` and
/// `AZURE_CLIENT_SECRET` (azure-identity `EnvironmentCredential`, secret variant; 1.27.0, 2026).
public struct EnvironmentCredential: TokenCredential {
    public let name = "EnvironmentCredential"
    private let tenantID: String?
    private let clientID: String?
    private let secret: String?
    private let certificateConfigured: Bool
    private let client: EntraTokenClient
    private let logger: Logger

    /// - Throws: `IdentityConfigurationError` for an invalid `AZURE_AUTHORITY_HOST`.
    public init(environment: [String: String], httpClient: OutboundHTTPClient, logger: Logger,
                options: IdentityOptions = .init(), now: @escaping @Sendable () -> Date = { Date() }) throws {
        tenantID = IdentityEnvironment.value(IdentityEnvironment.tenantID, in: environment)
        clientID = IdentityEnvironment.value(IdentityEnvironment.clientID, in: environment)
        secret = IdentityEnvironment.value(IdentityEnvironment.clientSecret, in: environment)
        certificateConfigured = IdentityEnvironment.value(IdentityEnvironment.clientCertificatePath, in: environment) != nil
        client = EntraTokenClient(
            authority: try AuthorityHost(environment[IdentityEnvironment.authorityHost]),
            http: TokenHTTP(httpClient: httpClient, logger: logger, now: now, sleep: options.sleep),
            options: options)
        self.logger = logger
    }

    /// Nil when a complete client-secret configuration is present.
    public var unavailableReason: String? {
        let missing = [(IdentityEnvironment.tenantID, tenantID), (IdentityEnvironment.clientID, clientID),
                       (IdentityEnvironment.clientSecret, secret)].filter { $0.1 == nil }.map(\.0)
        guard !missing.isEmpty else { return nil }
        if secret == nil, certificateConfigured {
            return "AZURE_CLIENT_CERTIFICATE_PATH is set, but Parley supports only client secrets here; use workload identity or AZURE_CLIENT_SECRET."
        }
        if missing.count == 3 {
            return "no client secret is configured (AZURE_TENANT_ID, AZURE_CLIENT_ID and AZURE_CLIENT_SECRET are not set)."
        }
        return "the client secret is not fully configured: \(WorkloadIdentityConfiguration.list(missing)) \(missing.count == 1 ? "is" : "are") not set (a client secret needs AZURE_TENANT_ID, AZURE_CLIENT_ID and AZURE_CLIENT_SECRET)."
    }

    public func getToken(scopes: [String]) async throws -> AccessToken {
        guard let tenantID, let clientID, let secret else {
            throw CredentialUnavailableError(credential: name, reason: unavailableReason ?? "not configured.")
        }
        guard !scopes.isEmpty else {
            throw AuthenticationFailedError(credential: name, reason: "no scope was requested.")
        }
        do {
            let token = try await client.requestToken(credential: name, tenantID: tenantID, form: [
                ("client_id", clientID),
                ("client_secret", secret),
                ("grant_type", "client_credentials"),
                ("scope", scopes.joined(separator: " ")),
            ], secrets: [secret])
            logger.debug("EnvironmentCredential got a token", metadata: ["client_id": "\(clientID)"])
            return token
        } catch let rejection as EntraRejection {
            throw rejection.authenticationFailed(credential: name, context: .init(
                clientID: clientID, tenantID: tenantID, authorityHost: client.authority.url))
        }
    }
}
