import JWTKit

/// The claims of an Entra id token or access token that sign-in checks (Microsoft identity
/// platform "ID token claims reference" and "Access token claims reference", 2026). Decoding is
/// jwt-kit's; the checks are in `EntraTokenVerifier`, against an injected clock.
struct EntraTokenClaims: JWTKit.JWTPayload {
    var iss: String
    var aud: AudienceClaim
    var exp: ExpirationClaim
    var nbf: NotBeforeClaim?
    var nonce: String?
    var tid: String?
    var oid: String?
    var name: String?
    var preferredUsername: String?
    /// Group object ids (only when the app registration asks for the groups claim).
    var groups: [String]?
    /// App role values assigned to the person.
    var roles: [String]?

    enum CodingKeys: String, CodingKey {
        case iss, aud, exp, nbf, nonce, tid, oid, name, groups, roles
        case preferredUsername = "preferred_username"
    }

    /// jwt-kit calls this after the signature checks out; the claims are checked by the caller,
    /// which knows the expected issuer, audience, nonce and the time.
    func verify(using _: some JWTAlgorithm) async throws {}
}
