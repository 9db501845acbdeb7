import AsyncHTTPClient
import ParleyOutbound
import Foundation
import Logging

/// Exchanges the projected Kubernetes service-account token for an Entra token
/// (azure-identity `WorkloadIdentityCredential`, 1.27.0, 2026; identity.md §1).
public struct WorkloadIdentityCredential: TokenCredential {
    public let name = "WorkloadIdentityCredential"
    public let configuration: WorkloadIdentityConfiguration
    private let tokenFile: FederatedTokenFile?
    private let client: EntraTokenClient
    private let logger: Logger

    public init(configuration: WorkloadIdentityConfiguration, httpClient: OutboundHTTPClient, logger: Logger,
                options: IdentityOptions = .init(), now: @escaping @Sendable () -> Date = { Date() }) {
        self.configuration = configuration
        self.tokenFile = configuration.tokenFilePath.map { FederatedTokenFile(path: $0, now: now) }
        self.client = EntraTokenClient(
            authority: configuration.authorityHost,
            http: TokenHTTP(httpClient: httpClient, logger: logger, now: now, sleep: options.sleep),
            options: options)
        self.logger = logger
    }

    public func getToken(scopes: [String]) async throws -> AccessToken {
        guard let clientID = configuration.clientID, let tenantID = configuration.tenantID, let tokenFile,
              configuration.isComplete else {
            throw CredentialUnavailableError(credential: name, reason: configuration.unavailableReason ?? "workload identity is not configured.")
        }
        guard !scopes.isEmpty else {
            throw AuthenticationFailedError(credential: name, reason: "no scope was requested.")
        }
        var assertion = try await readAssertion(tokenFile)
        do {
            return try await exchange(assertion: assertion, clientID: clientID, tenantID: tenantID, scopes: scopes)
        } catch let rejection as EntraRejection where rejection.envelope.errorCodes.contains(700024) {
            // The copy we hold expired or the kubelet rotated late: read the file again and retry
            // once (identity.md §11.3; azure-identity does not, azure-sdk-for-python#44488).
            logger.warning("Microsoft Entra ID says the service-account token is outside its validity (AADSTS700024); re-reading the token file and retrying once")
            assertion = try await readAssertion(tokenFile, forceReread: true)
            do {
                return try await exchange(assertion: assertion, clientID: clientID, tenantID: tenantID, scopes: scopes)
            } catch let rejection as EntraRejection {
                throw rejection.authenticationFailed(credential: name, context: await context(tokenFile, retried: true))
            }
        } catch let rejection as EntraRejection {
            throw rejection.authenticationFailed(credential: name, context: await context(tokenFile, retried: false))
        }
    }

    /// Claims of the projected token currently in the file (re-read now), for diagnostics.
    public func projectedTokenClaims() async throws -> ProjectedTokenClaims {
        guard let path = configuration.tokenFilePath else {
            throw CredentialUnavailableError(credential: name, reason: configuration.unavailableReason ?? "AZURE_FEDERATED_TOKEN_FILE is not set.")
        }
        let file = FederatedTokenFile(path: path, now: { Date() })
        let assertion = try await readAssertion(file)
        do {
            return try ProjectedTokenClaims(jwt: assertion)
        } catch {
            throw AuthenticationFailedError(credential: name, reason: "AZURE_FEDERATED_TOKEN_FILE '\(path)' does not hold a JWT (\(error)).")
        }
    }

    private func exchange(assertion: String, clientID: String, tenantID: String, scopes: [String]) async throws -> AccessToken {
        let token = try await client.requestToken(credential: name, tenantID: tenantID, form: [
            ("client_assertion", assertion),
            ("client_assertion_type", "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"),
            ("client_id", clientID),
            ("grant_type", "client_credentials"),
            ("scope", scopes.joined(separator: " ")),
        ], secrets: [assertion])
        logger.debug("WorkloadIdentityCredential got a token", metadata: [
            "client_id": "\(clientID)", "expires_on": "\(token.expiresOn.formatted(.iso8601))",
        ])
        return token
    }

    private func readAssertion(_ file: FederatedTokenFile, forceReread: Bool = false) async throws -> String {
        do {
            return try await file.assertion(forceReread: forceReread)
        } catch let problem as FederatedTokenFile.FileProblem {
            throw AuthenticationFailedError(credential: name, reason: problem.reason)
        }
    }

    private func context(_ file: FederatedTokenFile, retried: Bool) async -> EntraErrorExplanation.Context {
        EntraErrorExplanation.Context(
            clientID: configuration.clientID, tenantID: configuration.tenantID,
            authorityHost: configuration.authorityHost.url, assertion: await file.claims, retriedAfterReread: retried)
    }
}
