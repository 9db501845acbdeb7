/// A chain member that is deliberately not tried here; it reports why.
struct SkippedCredential: TokenCredential {
    let name: String
    let reason: String

    func getToken(scopes: [String]) async throws -> AccessToken {
        throw CredentialUnavailableError(credential: name, reason: reason)
    }
}
