import Foundation

/// The claim checks of an id token (OpenID Connect Core 1.0 §3.1.3.7) and of an access token for
/// Parley's API, after `SigningKeys` has checked the RS256 signature. Times use the injected clock.
struct EntraTokenVerifier: Sendable {
    enum Purpose: Sendable {
        /// From the token endpoint: audience = client id, nonce = the one sent with this sign-in.
        case idToken(nonce: String)
        /// `Authorization: Bearer`: audience = client id or api://client id, no nonce.
        case accessToken
    }

    let configuration: SignInConfiguration
    let now: @Sendable () -> Date

    /// The header fields that pick the key; anything but RS256 with a `kid` is refused before any key is used.
    static func header(of token: String) throws -> (alg: String, kid: String) {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, let data = Base64URL.decode(parts[0]),
              let header = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw SignInError(.refusedToken, "The token is not a JWT.")
        }
        let alg = header["alg"] as? String ?? "(none)"
        guard alg == "RS256" else {
            throw SignInError(.refusedToken, "The token is signed with '\(alg)'; only RS256 is accepted.")
        }
        guard let kid = header["kid"] as? String, !kid.isEmpty else {
            throw SignInError(.refusedToken, "The token's header names no signing key (kid).")
        }
        return (alg, kid)
    }

    func check(_ claims: EntraTokenClaims, issuer: String, purpose: Purpose) throws -> SignedInIdentity {
        guard claims.iss == issuer else {
            throw SignInError(.refusedToken, "The token's issuer '\(claims.iss)' is not this tenant's ('\(issuer)').")
        }
        let audiences: [String]
        switch purpose {
        case .idToken: audiences = [configuration.clientID]
        case .accessToken: audiences = configuration.accessTokenAudiences
        }
        guard claims.aud.value.contains(where: audiences.contains) else {
            throw SignInError(.refusedToken, "The token's audience \(claims.aud.value) is not Parley's app registration (\(audiences.joined(separator: " or "))).")
        }
        let time = now()
        guard claims.exp.value.addingTimeInterval(configuration.clockSkew) > time else {
            throw SignInError(.refusedToken, "The token expired at \(claims.exp.value).")
        }
        if let nbf = claims.nbf?.value, nbf.addingTimeInterval(-configuration.clockSkew) > time {
            throw SignInError(.refusedToken, "The token is not valid before \(nbf).")
        }
        if case .idToken(let nonce) = purpose, claims.nonce != nonce {
            throw SignInError(.refusedToken, "The id token's nonce is not the one this sign-in sent.")
        }
        guard claims.tid == configuration.tenantID else {
            throw SignInError(.refusedToken, "The token is from tenant '\(claims.tid ?? "(none)")', not '\(configuration.tenantID)'.")
        }
        guard let oid = claims.oid, !oid.isEmpty else {
            throw SignInError(.refusedToken, "The token carries no object id (oid).")
        }
        if !configuration.allowedGroups.isEmpty {
            let held = Set((claims.groups ?? []) + (claims.roles ?? []))
            guard configuration.allowedGroups.contains(where: held.contains) else {
                throw SignInError(.notAllowed, "User \(oid) is in none of PARLEY_AUTH_ALLOWED_GROUPS (groups or app roles).")
            }
        }
        return SignedInIdentity(oid: oid, name: claims.name ?? claims.preferredUsername ?? oid, tenantID: configuration.tenantID)
    }
}
