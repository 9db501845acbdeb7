/// Every environment variable this library reads, in one place (the deploy tests check the
/// manifests against `variableNames`).
public enum IdentityEnvironment {
    public static let clientID = "AZURE_CLIENT_ID"
    public static let tenantID = "AZURE_TENANT_ID"
    public static let federatedTokenFile = "AZURE_FEDERATED_TOKEN_FILE"
    public static let authorityHost = "AZURE_AUTHORITY_HOST"
    public static let clientSecret = "AZURE_CLIENT_SECRET"
    /// A PEM file with the certificate and its unencrypted private key (EnvironmentCredential).
    public static let clientCertificatePath = "AZURE_CLIENT_CERTIFICATE_PATH"
    /// Read only to refuse it clearly: encrypted keys are not supported.
    public static let clientCertificatePassword = "AZURE_CLIENT_CERTIFICATE_PASSWORD"
    /// Overrides the Azure OpenAI scope that follows from AZURE_AUTHORITY_HOST (`ServiceScopes`).
    public static let openAIScope = "AZURE_OPENAI_SCOPE"
    /// Overrides the Azure Database for PostgreSQL scope that follows from AZURE_AUTHORITY_HOST.
    public static let postgresScope = "PARLEY_POSTGRES_SCOPE"
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
        clientCertificatePassword, openAIScope, postgresScope, tokenCredentials, podIdentityAuthorityHost, identityEndpoint, identityHeader, kubernetesServiceHost,
        path, timeZone,
    ]

    /// Variables whose values are secret: reports say only whether they are set.
    public static let secretVariableNames: Set<String> = [clientSecret, clientCertificatePassword, identityHeader]

    static let userAgent = "parley-identity/1.0"

    /// A variable's value, or nil when unset or only whitespace.
    static func value(_ name: String, in environment: [String: String]) -> String? {
        guard let raw = environment[name]?.trimmingCharacters(in: .whitespacesAndNewlines), !raw.isEmpty else { return nil }
        return raw
    }
}

import Foundation
