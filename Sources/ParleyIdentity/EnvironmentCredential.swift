import AsyncHTTPClient
import ParleyOutbound
import Foundation
import Logging

/// A service principal from `AZURE_TENANT_ID` and `AZURE_CLIENT_ID` with either
/// `AZURE_CLIENT_SECRET` or `AZURE_CLIENT_CERTIFICATE_PATH` (azure-identity
/// `EnvironmentCredential`, 1.27.0, 2026; identity.md §5): the secret wins when both are set, as
/// there. A certificate that is configured but unusable (missing file, no key, encrypted key,
/// `AZURE_CLIENT_CERTIFICATE_PASSWORD`) is an authentication failure naming the variable, so the
/// chain stops instead of quietly authenticating as another principal.
public struct EnvironmentCredential: TokenCredential {
    public let name = "EnvironmentCredential"
    private let tenantID: String?
    private let clientID: String?
    private let secret: String?
    private let certificatePath: String?
    private let certificatePasswordSet: Bool
    private let client: EntraTokenClient
    private let now: @Sendable () -> Date
    private let logger: Logger

    /// - Throws: `IdentityConfigurationError` for an invalid `AZURE_AUTHORITY_HOST`.
    public init(environment: [String: String], httpClient: OutboundHTTPClient, logger: Logger,
                options: IdentityOptions = .init(), now: @escaping @Sendable () -> Date = { Date() }) throws {
        tenantID = IdentityEnvironment.value(IdentityEnvironment.tenantID, in: environment)
        clientID = IdentityEnvironment.value(IdentityEnvironment.clientID, in: environment)
        secret = IdentityEnvironment.value(IdentityEnvironment.clientSecret, in: environment)
        certificatePath = IdentityEnvironment.value(IdentityEnvironment.clientCertificatePath, in: environment)
        certificatePasswordSet = IdentityEnvironment.value(IdentityEnvironment.clientCertificatePassword, in: environment) != nil
        client = EntraTokenClient(
            authority: try AuthorityHost(environment[IdentityEnvironment.authorityHost]),
            http: TokenHTTP(httpClient: httpClient, logger: logger, now: now, sleep: options.sleep),
            options: options)
        self.now = now
        self.logger = logger
    }

    /// What a complete configuration uses, for `parley doctor`'s plan (never a secret value).
    public var configuredDetail: String {
        secret != nil ? "client secret for AZURE_CLIENT_ID in AZURE_TENANT_ID"
                      : "client certificate \(certificatePath ?? "") for AZURE_CLIENT_ID in AZURE_TENANT_ID"
    }

    /// Nil when a complete client-secret or client-certificate configuration is present.
    public var unavailableReason: String? {
        let proof = secret != nil ? IdentityEnvironment.clientSecret
            : (certificatePath != nil ? IdentityEnvironment.clientCertificatePath : nil)
        let missing = [(IdentityEnvironment.tenantID, tenantID), (IdentityEnvironment.clientID, clientID)]
            .filter { $0.1 == nil }.map(\.0)
        guard let proof else {
            if missing.count == 2 {
                return "no service principal is configured (AZURE_TENANT_ID, AZURE_CLIENT_ID and AZURE_CLIENT_SECRET or AZURE_CLIENT_CERTIFICATE_PATH are not set)."
            }
            return "the service principal is not fully configured: neither AZURE_CLIENT_SECRET nor AZURE_CLIENT_CERTIFICATE_PATH is set\(missing.isEmpty ? "" : ", nor \(WorkloadIdentityConfiguration.list(missing))")."
        }
        guard !missing.isEmpty else { return nil }
        return "\(proof) is set, but \(WorkloadIdentityConfiguration.list(missing)) \(missing.count == 1 ? "is" : "are") not (a service principal needs AZURE_TENANT_ID, AZURE_CLIENT_ID and \(proof))."
    }

    public func getToken(scopes: [String]) async throws -> AccessToken {
        guard let tenantID, let clientID, secret != nil || certificatePath != nil else {
            throw CredentialUnavailableError(credential: name, reason: unavailableReason ?? "not configured.")
        }
        guard !scopes.isEmpty else {
            throw AuthenticationFailedError(credential: name, reason: "no scope was requested.")
        }
        var form = [("client_id", clientID)]
        let proofSecret: String
        if let secret {
            form.append(("client_secret", secret))
            proofSecret = secret
        } else {
            let assertion = try certificateAssertion(path: certificatePath ?? "", clientID: clientID, tenantID: tenantID)
            form.append(("client_assertion", assertion))
            form.append(("client_assertion_type", "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"))
            proofSecret = assertion
        }
        form.append(("grant_type", "client_credentials"))
        form.append(("scope", scopes.joined(separator: " ")))
        do {
            let token = try await client.requestToken(credential: name, tenantID: tenantID, form: form, secrets: [proofSecret])
            logger.debug("EnvironmentCredential got a token", metadata: [
                "client_id": "\(clientID)", "proof": "\(secret != nil ? "client secret" : "client certificate")",
            ])
            return token
        } catch let rejection as EntraRejection {
            throw rejection.authenticationFailed(credential: name, context: .init(
                clientID: clientID, tenantID: tenantID, authorityHost: client.authority.url))
        }
    }

    /// A fresh assertion signed with the certificate's key, or an error naming the variable.
    private func certificateAssertion(path: String, clientID: String, tenantID: String) throws -> String {
        if certificatePasswordSet {
            throw AuthenticationFailedError(credential: name, reason:
                "AZURE_CLIENT_CERTIFICATE_PASSWORD is set, but Parley reads only PEM files with an unencrypted private key: unset it and store the key unencrypted in AZURE_CLIENT_CERTIFICATE_PATH (`openssl pkcs12 -in cert.pfx -nodes -out cert.pem`), in a file only Parley can read.")
        }
        do {
            let certificate = try ClientCertificate.load(path: path)
            return try certificate.assertion(clientID: clientID, endpoint: client.authority.tokenEndpoint(tenantID: tenantID), now: now())
        } catch let problem as ClientCertificate.Problem {
            throw AuthenticationFailedError(credential: name, reason: problem.description)
        } catch {
            throw AuthenticationFailedError(credential: name, reason:
                "the private key in AZURE_CLIENT_CERTIFICATE_PATH '\(path)' could not sign the client assertion; check that it is an RSA key of 2048 bits or more.")
        }
    }
}
