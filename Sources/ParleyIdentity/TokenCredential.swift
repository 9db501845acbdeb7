/// Something that can obtain an access token from Microsoft Entra ID for a set of scopes.
///
/// Implementations throw `CredentialUnavailableError` when they are not set up in this
/// environment (a chain then tries the next credential) and `AuthenticationFailedError` when
/// they are set up but authentication failed (a chain stops: a deployed identity that is
/// misconfigured must not silently fall through to another principal).
public protocol TokenCredential: Sendable {
    /// The azure-identity class name of this credential, e.g. "WorkloadIdentityCredential".
    var name: String { get }
    func getToken(scopes: [String]) async throws -> AccessToken
}
