/// Every environment variable this library reads, in one place (the deploy tests check the
/// manifests against `variableNames`).
public enum IdentityEnvironment {
    public static let clientID = "AZURE_CLIENT_ID"
    public static let tenantID = "AZURE_TENANT_ID"
    public static let federatedTokenFile = "AZURE_FEDERATED_TOKEN_FILE"
    public static let authorityHost = "AZURE_AUTHORITY_HOST"
    public static let clientSecret = "AZURE_CLIENT_SECRET"
    /// Read only to explain that certificate credentials are not supported.
    public static let clientCertificatePath = "AZURE_CLIENT_CERTIFICATE_PATH"
    public static let tokenCredentials = "AZURE_TOKEN_CREDENTIALS"
    public static let podIdentityAuthorityHost = "AZURE_POD_IDENTITY_AUTHORITY_HOST"
    public static let identityEndpoint = "IDENTITY_ENDPOINT"
    public static let identityHeader = "IDENTITY_HEADER"
    public static let kubernetesServiceHost = "KUBERNETES_SERVICE_HOST"
    /// Where `az` and `azd` are looked up; the CLIs also inherit the whole environment.
    public static let path = "PATH"
    /// The time zone `az` printed its local-time `expiresOn` in (only for az < 2.54).
    public static let timeZone = "TZ"

    public static let variableNames: [String] = [
        clientID, tenantID, federatedTokenFile, authorityHost, clientSecret, clientCertificatePath,
        tokenCredentials, podIdentityAuthorityHost, identityEndpoint, identityHeader, kubernetesServiceHost,
        path, timeZone,
    ]

    /// Variables whose values are secret: reports say only whether they are set.
    public static let secretVariableNames: Set<String> = [clientSecret, identityHeader]

    static let userAgent = "parley-identity/1.0"

    /// A variable's value, or nil when unset or only whitespace.
    static func value(_ name: String, in environment: [String: String]) -> String? {
        guard let raw = environment[name]?.trimmingCharacters(in: .whitespacesAndNewlines), !raw.isEmpty else { return nil }
        return raw
    }
}

import Foundation
