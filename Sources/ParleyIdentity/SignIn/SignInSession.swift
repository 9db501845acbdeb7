import Foundation

/// What the `parley_auth` cookie holds once someone has signed in: their Entra object id, display
/// name and when the cookie stops being accepted (checked on the server, not by the browser).
public struct SignInSession: Codable, Sendable, Equatable {
    public static let cookiePurpose = "parley-session-v1"

    public var oid: String
    public var name: String
    public var expires: Date

    public init(oid: String, name: String, expires: Date) {
        self.oid = oid
        self.name = name
        self.expires = expires
    }
}

/// What the short-lived sign-in cookie holds between `/auth/login` and `/auth/callback`: the
/// values only this browser may present back (OAuth 2.0 state, OIDC nonce, PKCE verifier).
/// Sealed into a cookie instead of server memory so any replica can finish the sign-in.
public struct SignInAttempt: Codable, Sendable, Equatable {
    public static let cookiePurpose = "parley-sign-in-attempt-v1"

    public var state: String
    public var nonce: String
    public var codeVerifier: String
    public var expires: Date

    public init(state: String, nonce: String, codeVerifier: String, expires: Date) {
        self.state = state
        self.nonce = nonce
        self.codeVerifier = codeVerifier
        self.expires = expires
    }

    /// Fresh random values: 32 bytes each (RFC 7636 §4.1 recommends a 32-octet verifier).
    public static func random(expires: Date) -> SignInAttempt {
        func token() -> String { Base64URL.encode(CookieSealer.randomKeyBytes()) }
        return SignInAttempt(state: token(), nonce: token(), codeVerifier: token(), expires: expires)
    }
}
